import { create, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../proto/envelope';
import { GetAccountResponseSchema, TransactionSchema } from '../../proto/gen/lab/bank/v1/bank_pb';
import { coverage } from './byte-annotations';
import { annotateGrpcMessage, annotateProtobuf } from './protobuf-annotations';

const account = create(GetAccountResponseSchema, {
  account: {
    id: '123',
    owner: 'Ada',
    balance: { cents: 100_000n, currency: 'EUR' },
    cards: [{ id: 'c-1', last4: '4242', status: 1 }],
  },
});

describe('annotateProtobuf', () => {
  it('names every tag with its field number and wire type from the schema, nested messages included', () => {
    const bytes = toBinary(GetAccountResponseSchema, account);
    const spans = annotateProtobuf(bytes, GetAccountResponseSchema);
    const tags = spans.filter((s) => s.role === 'tag').map((s) => [s.path, s.facts?.field, s.facts?.wireTypeName]);
    expect(tags).toEqual([
      ['account', 1, 'LEN'],
      ['account.id', 1, 'LEN'],
      ['account.owner', 2, 'LEN'],
      ['account.balance', 3, 'LEN'],
      ['account.balance.cents', 1, 'VARINT'],
      ['account.balance.currency', 2, 'LEN'],
      ['account.cards[0]', 4, 'LEN'],
      ['account.cards[0].id', 1, 'LEN'],
      ['account.cards[0].last4', 2, 'LEN'],
      ['account.cards[0].status', 3, 'VARINT'],
    ]);
    // The first byte is the tag 0x0a = field 1 << 3 | wire type 2.
    expect(bytes[0]).toBe(0x0a);
    expect(coverage(bytes.length, spans).unexplained).toBe(0);
    expect(spans.find((s) => s.path === 'account.balance.cents' && s.role === 'number')?.label).toContain('100000');
  });

  it('decodes zigzag for sint64 and marks fields the schema does not know', () => {
    const bytes = toBinary(TransactionSchema, create(TransactionSchema, { amountCents: -350n, category: 'food' }));
    const spans = annotateProtobuf(bytes, TransactionSchema);
    expect(spans.find((s) => s.path === 'amountCents' && s.role === 'number')?.label).toContain('-350 (zigzag: raw 699)');
    const unknown = annotateProtobuf(bytes, undefined);
    expect(unknown.filter((s) => s.role === 'tag').every((s) => s.label.includes('unknown field'))).toBe(true);
  });

  it('labels the 5-byte envelope and stops with an unknown span at bytes that do not parse', () => {
    const framed = encodeEnvelope(0, toBinary(GetAccountResponseSchema, account));
    const spans = annotateGrpcMessage(framed, GetAccountResponseSchema, true);
    expect(spans[0]?.label).toBe('envelope flags: 0x00');
    expect(spans[1]?.label).toContain(`${framed.length - 5} bytes follow`);
    const broken = annotateProtobuf(new Uint8Array([0x0a, 0x10, 0x41]), GetAccountResponseSchema);
    expect(broken.at(-1)).toMatchObject({ role: 'unknown' });
    expect(broken.at(-1)?.label).toContain('runs past the end');
  });
});
