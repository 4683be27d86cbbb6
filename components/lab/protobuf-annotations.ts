import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import type { ByteSpan } from './byte-annotations';

/** The six protobuf wire types (3 and 4, groups, are deprecated and not produced by proto3). */
export const WIRE_TYPES: Record<number, string> = {
  0: 'VARINT',
  1: 'I64',
  2: 'LEN',
  3: 'SGROUP',
  4: 'EGROUP',
  5: 'I32',
};

class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  /** A base-128 varint: 7 bits per byte, least significant group first, high bit = "more follows". */
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error('varint runs past the end');
      const byte = this.bytes[this.pos++] ?? 0;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint longer than 10 bytes');
    }
  }
}

function zigzag(n: bigint): bigint {
  return (n >> 1n) ^ -(n & 1n);
}

function signed64(n: bigint): bigint {
  return BigInt.asIntN(64, n);
}

function varintMeaning(field: DescField | undefined, raw: bigint): string {
  if (!field) return String(raw);
  if (field.fieldKind === 'enum') {
    const value = field.enum.values.find((v) => BigInt(v.number) === raw);
    return `${raw} (${value?.name ?? 'unknown enum value'})`;
  }
  const scalar = field.fieldKind === 'scalar' || field.fieldKind === 'list' ? field.scalar : undefined;
  switch (scalar) {
    case ScalarType.SINT32:
    case ScalarType.SINT64:
      return `${zigzag(raw)} (zigzag: raw ${raw})`;
    case ScalarType.INT32:
    case ScalarType.INT64:
      return String(signed64(raw));
    case ScalarType.BOOL:
      return raw === 0n ? 'false' : 'true';
    default:
      return String(raw);
  }
}

function nestedSchema(field: DescField | undefined): DescMessage | undefined {
  if (!field) return undefined;
  if (field.fieldKind === 'message') return field.message;
  if (field.fieldKind === 'list' && field.listKind === 'message') return field.message;
  return undefined;
}

function isText(field: DescField | undefined): boolean {
  if (!field) return false;
  if (field.fieldKind === 'scalar' || (field.fieldKind === 'list' && field.listKind === 'scalar')) {
    return field.scalar === ScalarType.STRING;
  }
  return false;
}

/**
 * Annotates protobuf binary bytes field by field: each tag (field number and
 * wire type), varint, length prefix, string and nested message, named from
 * the schema when there is one (fields it doesn't know are labelled unknown).
 * Bytes that don't parse end the walk with one 'unknown' span.
 */
export function annotateProtobuf(
  bytes: Uint8Array,
  schema: DescMessage | undefined,
  options: { offset?: number; end?: number; depth?: number; path?: string } = {},
): ByteSpan[] {
  const spans: ByteSpan[] = [];
  const cursor = new Cursor(bytes, options.offset ?? 0, options.end ?? bytes.length);
  const depth = options.depth ?? 0;
  const prefix = options.path ? `${options.path}.` : '';
  const counts = new Map<number, number>();
  while (cursor.pos < cursor.end) {
    const tagStart = cursor.pos;
    try {
      const tag = cursor.varint();
      const number = Number(tag >> 3n);
      const wireType = Number(tag & 7n);
      const field = schema?.fields.find((f) => f.number === number);
      const name = field ? field.name : 'unknown field';
      const repeat = counts.get(number) ?? 0;
      counts.set(number, repeat + 1);
      const isList = field?.fieldKind === 'list' || field?.fieldKind === 'map';
      const path = `${prefix}${field?.jsonName ?? String(number)}${isList ? `[${repeat}]` : ''}`;
      const facts = { field: number, wireType, wireTypeName: WIRE_TYPES[wireType] ?? '?' };
      if (number === 0 || !(wireType in WIRE_TYPES)) throw new Error(`invalid tag (field ${number}, wire type ${wireType})`);
      spans.push({
        start: tagStart,
        end: cursor.pos,
        role: 'tag',
        label: `tag: field ${number} (${name}), wire type ${wireType} = ${WIRE_TYPES[wireType]}`,
        depth,
        path,
        facts,
      });
      const valueStart = cursor.pos;
      if (wireType === 0) {
        const raw = cursor.varint();
        spans.push({
          start: valueStart,
          end: cursor.pos,
          role: 'number',
          label: `varint: ${name} = ${varintMeaning(field, raw)}`,
          depth,
          path,
          facts,
        });
      } else if (wireType === 1 || wireType === 5) {
        const size = wireType === 1 ? 8 : 4;
        if (cursor.pos + size > cursor.end) throw new Error('fixed-width value runs past the end');
        cursor.pos += size;
        spans.push({
          start: valueStart,
          end: cursor.pos,
          role: 'number',
          label: `${size * 8}-bit fixed: ${name}`,
          depth,
          path,
          facts,
        });
      } else if (wireType === 2) {
        const length = Number(cursor.varint());
        spans.push({
          start: valueStart,
          end: cursor.pos,
          role: 'length',
          label: `length: ${length} bytes of ${name}`,
          depth,
          path,
          facts,
        });
        const bodyStart = cursor.pos;
        const bodyEnd = bodyStart + length;
        if (bodyEnd > cursor.end) throw new Error(`length ${length} runs past the end`);
        const nested = nestedSchema(field);
        if (nested || field?.fieldKind === 'map') {
          spans.push({
            start: bodyStart,
            end: bodyEnd,
            role: 'frame',
            label: `nested message ${nested?.typeName ?? 'map entry'} (${length} bytes)`,
            depth,
            path,
            facts,
          });
          spans.push(...annotateProtobuf(bytes, nested, { offset: bodyStart, end: bodyEnd, depth: depth + 1, path }));
        } else if (isText(field)) {
          const text = new TextDecoder().decode(bytes.subarray(bodyStart, bodyEnd));
          spans.push({
            start: bodyStart,
            end: bodyEnd,
            role: 'text',
            label: `UTF-8: ${name} = ${JSON.stringify(text)}`,
            depth,
            path,
            facts,
          });
        } else if (length > 0) {
          spans.push({
            start: bodyStart,
            end: bodyEnd,
            role: field ? 'bytes' : 'unknown',
            label: `${length} bytes: ${name}`,
            depth,
            path,
            facts,
          });
        }
        cursor.pos = bodyEnd;
      } else {
        throw new Error(`groups (wire type ${wireType}) are not used by proto3`);
      }
    } catch (error: unknown) {
      spans.push({
        start: tagStart,
        end: cursor.end,
        role: 'unknown',
        label: `does not parse: ${(error as Error).message}`,
        depth,
      });
      break;
    }
  }
  return spans;
}

/** The gRPC/Connect envelope in front of a message: flags byte and 4-byte length. */
export function annotateEnvelope(bytes: Uint8Array): ByteSpan[] {
  if (bytes.length < 5) return [];
  const flags = bytes[0] ?? 0;
  const length = new DataView(bytes.buffer, bytes.byteOffset + 1, 4).getUint32(0, false);
  return [
    {
      start: 0,
      end: 1,
      role: 'frame',
      label: `envelope flags: 0x${flags.toString(16).padStart(2, '0')}${flags & 1 ? ' (compressed)' : ''}`,
      depth: 0,
    },
    { start: 1, end: 5, role: 'frame', label: `envelope length: ${length} bytes follow (big-endian)`, depth: 0 },
  ];
}

/** A whole message as it travelled: the envelope (if any), then the fields. */
export function annotateGrpcMessage(raw: Uint8Array, schema: DescMessage | undefined, enveloped: boolean): ByteSpan[] {
  if (!enveloped) return annotateProtobuf(raw, schema);
  return [...annotateEnvelope(raw), ...annotateProtobuf(raw, schema, { offset: 5 })];
}
