import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeMessage, sha256Hex } from './graphql';

describe('sha256Hex', () => {
  it('names a query the way automatic persisted queries do: lowercase hex SHA-256 of the exact text', async () => {
    const query = '{ account(id: "123") { owner balance } }';
    expect(await sha256Hex(query)).toBe(createHash('sha256').update(query).digest('hex'));
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('describeMessage', () => {
  it('names graphql-transport-ws messages by type and id', () => {
    expect(describeMessage('{"type":"connection_ack"}')).toBe('connection_ack');
    expect(describeMessage('{"id":"7","type":"next","payload":{}}')).toBe('next #7');
  });

  it('quotes anything else, shortened', () => {
    expect(describeMessage('hello?')).toBe('"hello?"');
    expect(describeMessage('x'.repeat(100))).toBe(JSON.stringify('x'.repeat(60)));
  });
});
