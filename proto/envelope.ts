/**
 * The 5-byte message envelope of gRPC, gRPC-Web and Connect streaming:
 * one flags byte, a 4-byte big-endian length, then that many bytes of message.
 *
 * Shared by the server's wire tap and the browser's gRPC client (both record
 * every message with its exact bytes), so it lives beside the contract and
 * imports nothing.
 */

/** Flags byte values. gRPC uses bit 0 only; gRPC-Web and Connect add an end-of-stream frame. */
export const ENVELOPE_FLAGS = {
  /** The message bytes are compressed with the negotiated encoding. */
  compressed: 0b0000_0001,
  /** Connect streaming: the last frame, a JSON object with the status (and trailers). */
  connectEndStream: 0b0000_0010,
  /** gRPC-Web: the last frame, the trailers as HTTP/1-style header lines. */
  grpcWebTrailers: 0b1000_0000,
} as const;

export const ENVELOPE_HEADER_BYTES = 5;

export interface Envelope {
  flags: number;
  /** The message bytes (without the 5-byte prefix). */
  data: Uint8Array;
  /** The whole frame exactly as it travelled: flags, length, data. */
  raw: Uint8Array;
}

/** Wraps one message in an envelope. */
export function encodeEnvelope(flags: number, data: Uint8Array): Uint8Array {
  const raw = new Uint8Array(ENVELOPE_HEADER_BYTES + data.length);
  raw[0] = flags;
  new DataView(raw.buffer).setUint32(1, data.length, false);
  raw.set(data, ENVELOPE_HEADER_BYTES);
  return raw;
}

/** An envelope cut from a stream: its own copy of the frame; flags and message read from it on demand. */
class SplitEnvelope implements Envelope {
  constructor(readonly raw: Uint8Array) {}

  get flags(): number {
    return this.raw[0] ?? 0;
  }

  get data(): Uint8Array {
    return this.raw.subarray(ENVELOPE_HEADER_BYTES);
  }
}

const NOTHING = new Uint8Array(0);

/**
 * Splits a byte stream into envelopes as chunks arrive. Chunk boundaries are
 * the network's, not the messages': one chunk may hold several frames, or
 * part of one.
 *
 * Each envelope is copied out of the chunk (the chunk may be a view into a
 * larger buffer, which a kept envelope would keep alive), and nothing else is
 * made per frame: the server's wire tap runs this on every gRPC message. (A
 * DataView, or a view of a small copy, makes V8 move the copy's bytes to a
 * buffer of their own: that had cost ~1 µs per message.)
 */
export class EnvelopeSplitter {
  private pending: Uint8Array = NOTHING;

  /** Feeds one chunk; returns the envelopes it completed. */
  push(chunk: Uint8Array): Envelope[] {
    const bytes = this.pending.length === 0 ? chunk : joined(this.pending, chunk);
    const out: Envelope[] = [];
    let offset = 0;
    while (bytes.length - offset >= ENVELOPE_HEADER_BYTES) {
      const length =
        (((bytes[offset + 1] ?? 0) << 24) |
          ((bytes[offset + 2] ?? 0) << 16) |
          ((bytes[offset + 3] ?? 0) << 8) |
          (bytes[offset + 4] ?? 0)) >>>
        0;
      const end = offset + ENVELOPE_HEADER_BYTES + length;
      if (end > bytes.length) break;
      out.push(new SplitEnvelope(copy(bytes.subarray(offset, end))));
      offset = end;
    }
    this.pending = offset === bytes.length ? NOTHING : copy(bytes.subarray(offset));
    return out;
  }

  /** Bytes received that don't (yet) make a whole frame. */
  get leftover(): number {
    return this.pending.length;
  }
}

/** A copy with a buffer of its own (`slice` on a Node Buffer would be a view). */
function copy(view: Uint8Array): Uint8Array {
  const out = new Uint8Array(view.length);
  out.set(view);
  return out;
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Decodes the trailer block of a gRPC-Web trailers frame ("grpc-status: 0\r\n..."). */
export function parseTrailerBlock(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of new TextDecoder().decode(data).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}
