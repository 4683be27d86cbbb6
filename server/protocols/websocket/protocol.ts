/**
 * The support chat's little JSON protocol, shared by the raw WebSocket chat
 * and the socket.io one. Every message is one JSON object with a `type`.
 *
 * Client → server
 *   {"type":"message","id":"m-1","text":"hi"}        a chat line; the id lets the server drop duplicates
 *   {"type":"typing","typing":true}                   I am (or stopped) typing
 *   {"type":"delivered","id":"m-1"}                   I received your message m-1
 *   {"type":"request","id":"r-1","method":"balance","params":{"account":"123"}}
 *
 * Server → client
 *   {"type":"welcome","conn":"…","as":"customer"}
 *   {"type":"message","id":"m-1","from":"agent","text":"hi"}
 *   {"type":"ack","id":"m-1","duplicate":false}       the server has your message (duplicate: seen before, not re-sent);
 *                                                     if the other side is offline, the server holds it until they connect
 *   {"type":"typing","from":"agent","typing":true}
 *   {"type":"delivered","id":"m-1","by":"agent"}
 *   {"type":"response","id":"r-1","result":{…}}       or "error":{…}; matched to its request by id
 *   {"type":"error","code":"bad-json","message":"…"}  a protocol-level error; the connection stays open
 */

export const ROLES = ['customer', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export const METHODS = ['balance'] as const;
export type Method = (typeof METHODS)[number];

export type ClientMessage =
  | { type: 'message'; id: string; text: string }
  | { type: 'typing'; typing: boolean }
  | { type: 'delivered'; id: string }
  | { type: 'request'; id: string; method: Method; params: { account: string } };

export type ErrorCode = 'bad-json' | 'bad-message' | 'unknown-type' | 'unknown-method' | 'rate-limited' | 'too-long';

export type ServerMessage =
  | { type: 'welcome'; conn: string; as: Role }
  | { type: 'message'; id: string; from: Role; text: string }
  | { type: 'ack'; id: string; duplicate: boolean }
  | { type: 'typing'; from: Role; typing: boolean }
  | { type: 'delivered'; id: string; by: Role }
  | { type: 'response'; id: string; result?: unknown; error?: { code: string; message: string } }
  | { type: 'error'; code: ErrorCode; message: string };

/** Chat lines longer than this are refused with a protocol error (frames have their own cap: maxPayload). */
export const MAX_TEXT_LENGTH = 70_000;
const ID = /^[\w.:-]{1,64}$/;
const ID_RULE = '1–64 letters, digits, "-", "_", "." or ":", e.g. "m-1"';

/** Why an id that was sent is refused, and what a valid one looks like. */
function invalidId(type: string, id: unknown): string {
  return `The "id" of this "${type}" ${whatIsWrong(id)}. An id is ${ID_RULE}.`;
}

function whatIsWrong(id: unknown): string {
  if (typeof id !== 'string') return `is ${id === null ? 'null' : `a ${typeof id}`}, not a string`;
  if (id.length === 0) return 'is empty';
  if (id.length > 64) return `is ${id.length} characters long`;
  const refused = [...new Set(id.replace(/[\w.:-]/g, ''))].map((c) => (c === ' ' ? 'a space' : JSON.stringify(c)));
  return `(${JSON.stringify(id)}) contains ${refused.join(', ')}`;
}

export type Parsed = { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode; message: string };

const fail = (code: ErrorCode, message: string): Parsed => ({ ok: false, code, message });

/** Validates one text message from a client. Never throws: bad input becomes a protocol error to send back. */
export function parseClientMessage(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('bad-json', `Messages are JSON objects like {"type":"message","id":"m-1","text":"hi"}; this was not JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('bad-message', 'A message must be a JSON object with a "type".');
  }
  const m = value as Record<string, unknown>;
  const idOk = typeof m.id === 'string' && ID.test(m.id);
  // An id that is there but malformed gets its own message: "needs an id" would contradict what the student sent.
  const badId = (missing: string) => fail('bad-message', m.id === undefined ? missing : invalidId(m.type as string, m.id));
  switch (m.type) {
    case 'message':
      if (!idOk) return badId(`"message" needs an "id": ${ID_RULE}.`);
      if (typeof m.text !== 'string') return fail('bad-message', '"message" needs a "text" string.');
      if (m.text.length > MAX_TEXT_LENGTH) return fail('too-long', `"text" is limited to ${MAX_TEXT_LENGTH} characters.`);
      return { ok: true, message: { type: 'message', id: m.id as string, text: m.text } };
    case 'typing':
      return { ok: true, message: { type: 'typing', typing: m.typing !== false } };
    case 'delivered':
      if (!idOk) return badId('"delivered" needs the "id" of the message it acknowledges.');
      return { ok: true, message: { type: 'delivered', id: m.id as string } };
    case 'request': {
      if (!idOk) return badId('"request" needs an "id", so its response can be matched to it.');
      if (!(METHODS as readonly unknown[]).includes(m.method)) {
        return fail('unknown-method', `Unknown method ${JSON.stringify(m.method)}; known: ${METHODS.join(', ')}.`);
      }
      const params = (typeof m.params === 'object' && m.params !== null ? m.params : {}) as Record<string, unknown>;
      const account = typeof params.account === 'string' ? params.account : '123';
      return { ok: true, message: { type: 'request', id: m.id as string, method: m.method as Method, params: { account } } };
    }
    default:
      return fail('unknown-type', `Unknown message type ${JSON.stringify(m.type)}; known: message, typing, delivered, request.`);
  }
}

export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}

/**
 * Per-connection flood control: a token bucket. Each message takes a token;
 * tokens come back at `ratePerSecond` up to `burst`. A message without a
 * token is refused (and answered with one `rate-limited` error per second,
 * so the warning can't become a flood of its own).
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private lastWarning = Number.NEGATIVE_INFINITY;

  constructor(
    readonly ratePerSecond = 20,
    readonly burst = 2 * ratePerSecond,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = clock();
  }

  /** true: go ahead. false: refuse (and `shouldWarn()` says whether to tell the client now). */
  take(): boolean {
    const t = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  shouldWarn(): boolean {
    const t = this.clock();
    if (t - this.lastWarning < 1000) return false;
    this.lastWarning = t;
    return true;
  }
}

/** Remembers the last `size` ids seen, so a re-sent message is recognised and not delivered twice. */
export class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly size = 1000) {}

  /** true the first time an id is seen. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.size) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }
}
