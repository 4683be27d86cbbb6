/**
 * A byte-range annotation model for hex dumps: which bytes mean what. Any
 * protocol can produce these (protobuf fields, an MQTT fixed header, a
 * WebSocket frame header); AnnotatedHexDump draws them.
 */

/** What a run of bytes is, for colour and legend. */
export type ByteRole =
  /** Framing around the payload (e.g. a gRPC envelope's flags and length). */
  | 'frame'
  /** A key naming what follows (e.g. a protobuf tag: field number + wire type). */
  | 'tag'
  /** A length prefix. */
  | 'length'
  /** A number. */
  | 'number'
  /** Text. */
  | 'text'
  /** Opaque bytes, or bytes no schema explains. */
  | 'bytes'
  | 'unknown';

export interface ByteSpan {
  /** First byte (inclusive) and end (exclusive), offsets into the dumped bytes. */
  start: number;
  end: number;
  role: ByteRole;
  /** One short line: "field 1 (account), wire type 2 = LEN". */
  label: string;
  /** Nesting depth: 0 for top-level fields, 1 inside a nested message, ... */
  depth: number;
  /** Where this lives in the decoded value, e.g. "account.balance.cents" (JSON names), for linking. */
  path?: string;
  /** Protocol-specific facts a test or the legend can read (field number, wire type, ...). */
  facts?: Record<string, string | number>;
}

/** For each byte offset, the innermost span covering it (the last one listed wins: spans are listed outer first). */
export function spanIndexByByte(length: number, spans: readonly ByteSpan[]): (number | undefined)[] {
  const out: (number | undefined)[] = new Array(length).fill(undefined);
  spans.forEach((span, i) => {
    for (let b = Math.max(0, span.start); b < Math.min(length, span.end); b++) out[b] = i;
  });
  return out;
}

/** Spans that tile [0, length) with no gaps: bytes nobody explained become 'unknown' spans. */
export function coverage(length: number, spans: readonly ByteSpan[]): { explained: number; unexplained: number } {
  const index = spanIndexByByte(length, spans);
  const unexplained = index.filter((i) => i === undefined).length;
  return { explained: length - unexplained, unexplained };
}

export function hexByte(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
