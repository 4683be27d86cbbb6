import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface RefusedUpgrade {
  status: number;
  contentType: string | undefined;
  body: string;
}

type Waiter = { check: () => boolean; resolve: () => void };

/**
 * A real `ws` client that keeps every message it receives (JSON-parsed when
 * possible) and lets a test await conditions on them instead of sleeping.
 */
export class WsClient {
  readonly ws: WebSocket;
  readonly messages: unknown[] = [];
  /** Resolves once open; rejects if the upgrade is refused or the connection fails. */
  readonly opened: Promise<void>;
  /** Resolves with the close code the client saw (1006 = the TCP connection died without a close frame). */
  readonly closed: Promise<CloseInfo>;
  /** Set when the server answered the upgrade with a plain HTTP response. */
  refused: RefusedUpgrade | undefined;
  closeInfo: CloseInfo | undefined;
  private readonly waiters = new Set<Waiter>();

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          this.refused = { status: res.statusCode ?? 0, contentType: res.headers['content-type'], body };
          reject(new Error(`upgrade refused with HTTP ${res.statusCode}`));
        });
      });
    });
    // Tests that expect refusal await `opened` themselves; don't let it count as unhandled meanwhile.
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.notify();
      });
    });
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data, isBinary) => {
      const text = isBinary ? data : data.toString();
      let value: unknown = text;
      if (typeof text === 'string') {
        try {
          value = JSON.parse(text);
        } catch {
          value = text;
        }
      }
      this.messages.push(value);
      this.notify();
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  /**
   * Resolves once `condition(messages)` holds: checked now and after every
   * message. Fails after `timeoutMs`, naming `description` and what did arrive.
   */
  waitFor(condition: (messages: readonly unknown[]) => boolean, description: string, timeoutMs = 5_000): Promise<void> {
    if (condition(this.messages)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => condition(this.messages),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const tail = this.messages.slice(-5).map((m) => JSON.stringify(m).slice(0, 200));
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${description}; ${this.messages.length} messages so far` +
              `${this.closeInfo ? `, closed with ${this.closeInfo.code}` : ''}; last: ${tail.join(' | ')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Waits for the close, failing after `timeoutMs` if the socket stays open. */
  async waitForClose(timeoutMs = 5_000): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  terminate(): void {
    this.ws.terminate();
  }

  private notify(): void {
    for (const waiter of this.waiters) {
      if (waiter.check()) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}

/** Attempts an upgrade that the server should refuse; resolves with the HTTP answer it gave. */
export async function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<RefusedUpgrade> {
  const client = new WsClient(url, headers);
  try {
    await client.opened;
  } catch {
    if (client.refused) return client.refused;
    throw new Error(`upgrade to ${url} failed without an HTTP answer`);
  }
  client.terminate();
  throw new Error(`upgrade to ${url} was accepted, expected a refusal`);
}
