'use client';

import { toJsonString } from '@bufbuild/protobuf';
import { useState } from 'react';
import { CodeBlock } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import {
  AccountSchema,
  AccountService,
  CardSchema,
  GetAccountRequestSchema,
  GetAccountResponseSchema,
  MoneySchema,
} from '../../proto/gen/lab/bank/v1/bank_pb';
import { errorText, useAccountClient } from './grpc';
import { messageToProto, serviceToProto } from './proto-text';
import styles from './widgets.module.css';

const PROTO = [
  serviceToProto(AccountService),
  ...[GetAccountRequestSchema, GetAccountResponseSchema, AccountSchema, MoneySchema, CardSchema].map(messageToProto),
].join('\n\n');

const CLIENT = `import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { AccountService } from './gen/lab/bank/v1/bank_pb';

const transport = createConnectTransport({ baseUrl: '/api/grpc' });
const client = createClient(AccountService, transport);

// A typed method per rpc: the request and response
// types come from the .proto, so a typo is a compile error.
const { account } = await client.getAccount({ accountId: '123' });
console.log(account?.balance?.cents); // bigint`;

/** Experiment 1: the .proto (rebuilt from the generated code) beside the client generated from it, and one call. */
export function ContractWidget() {
  const client = useAccountClient();
  const [result, setResult] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const call = async () => {
    setPending(true);
    setFailure(null);
    try {
      const response = await client.getAccount({ accountId: '123' });
      setResult(toJsonString(GetAccountResponseSchema, response, { prettySpaces: 2 }));
    } catch (error: unknown) {
      setFailure(errorText(error));
    } finally {
      setPending(false);
    }
  };

  return (
    <WidgetFrame title="The contract and the generated client" testId="grpc-contract-widget">
      <div className={styles.columns}>
        <div>
          <p className={styles.muted}>lab/bank/v1/bank.proto (from the generated code's descriptor)</p>
          <CodeBlock className={styles.code} data-testid="contract-proto">
            {PROTO}
          </CodeBlock>
        </div>
        <div>
          <p className={styles.muted}>Calling it through the generated client</p>
          <CodeBlock className={styles.code}>{CLIENT}</CodeBlock>
          <div className={styles.row} style={{ marginTop: 8 }}>
            <button
              type="button"
              className="lab-button"
              data-testid="contract-call"
              disabled={pending}
              onClick={() => void call()}
            >
              {pending ? 'Calling…' : 'client.getAccount({ accountId: "123" })'}
            </button>
          </div>
          {failure && <p className={styles.error}>{failure}</p>}
          {result && (
            <CodeBlock className={styles.code} data-testid="contract-result">
              {result}
            </CodeBlock>
          )}
        </div>
      </div>
    </WidgetFrame>
  );
}
