/**
 * A GraphQL subscription from the terminal, over graphql-ws (the
 * graphql-transport-ws subprotocol):
 *
 *   npx tsx scripts/graphql-subscribe.ts 'ws://localhost:3000/graphql?session=<id>' [accountId]
 *
 * Prints each `transactionCreated` event as one JSON line until Ctrl+C. It
 * does not reconnect on purpose: after a drop it reports the close code and
 * exits, like wscat, so you can see what a client without recovery loses.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, accountId = '123'] = process.argv.slice(2);
if (!url || !/^wss?:\/\//.test(url)) {
  console.error("usage: npx tsx scripts/graphql-subscribe.ts 'ws://<lab>/graphql?session=<id>' [accountId]");
  process.exit(2);
}

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  on: {
    connected: () => console.error(`connected; subscribed to transactionCreated on account ${accountId} (Ctrl+C to stop)`),
    closed: (event) => {
      const { code, reason } = event as { code: number; reason: string };
      console.error(`closed: code ${code}${reason ? ` (${reason})` : ''}${code === 1006 ? ' — the connection was lost' : ''}`);
    },
  },
});

const query = `subscription ($accountId: ID!) {
  transactionCreated(accountId: $accountId) { id amount description createdAt merchant { name } }
}`;

client.subscribe(
  { query, variables: { accountId } },
  {
    next: (result) => console.log(JSON.stringify(result)),
    error: (error: unknown) => {
      const detail = Array.isArray(error)
        ? error.map((e: { message: string }) => e.message).join('; ')
        : typeof (error as { code?: unknown })?.code === 'number'
          ? `socket closed with code ${(error as { code: number }).code}`
          : String((error as Error)?.message ?? error);
      console.error(`subscription ended: ${detail}`);
      process.exit(1);
    },
    complete: () => process.exit(0),
  },
);

process.on('SIGINT', () => {
  void client.dispose();
  process.exit(0);
});
