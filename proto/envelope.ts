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

/**
 * Splits a byte stream into envelopes as chunks arrive. Chunk boundaries are
 * the network's, not the messages': one chunk may hold several frames, or
 * part of one.
 */
export class EnvelopeSplitter {
  private pending = new Uint8Array(0);

  /** Feeds one chunk; returns the envelopes it completed. */
  push(chunk: Uint8Array): Envelope[] {
    const joined = new Uint8Array(this.pending.length + chunk.length);
    joined.set(this.pending);
    joined.set(chunk, this.pending.length);
    const out: Envelope[] = [];
    let offset = 0;
    while (joined.length - offset >= ENVELOPE_HEADER_BYTES) {
      const length = new DataView(joined.buffer, joined.byteOffset + offset + 1, 4).getUint32(0, false);
      const end = offset + ENVELOPE_HEADER_BYTES + length;
      if (end > joined.length) break;
      // A view, not a copy: `joined` is this call's own and never written again.
      const raw = joined.subarray(offset, end);
      out.push({ flags: raw[0] ?? 0, data: raw.subarray(ENVELOPE_HEADER_BYTES), raw });
      offset = end;
    }
    this.pending = joined.slice(offset);
    return out;
  }

  /** Bytes received that don't (yet) make a whole frame. */
  get leftover(): number {
    return this.pending.length;
  }
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
