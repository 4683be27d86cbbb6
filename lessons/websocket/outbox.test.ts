import { describe, expect, it } from 'vitest';
import { Outbox } from './outbox';

describe('outbox', () => {
  it('keeps messages until acked and hands back the unacked ones, oldest first', () => {
    const box = new Outbox('c');
    const a = box.add('one');
    const b = box.add('two');
    expect([a.id, b.id]).toEqual(['c-1', 'c-2']);
    expect(JSON.parse(box.wire(a))).toEqual({ type: 'message', id: 'c-1', text: 'one' });
    expect(box.ack('c-1')).toBe(true);
    expect(box.ack('c-1')).toBe(false);
    expect(box.unacked().map((m) => m.id)).toEqual(['c-2']);
  });

  it('counts sends, so a re-send after reconnect is visible', () => {
    const box = new Outbox('a');
    const m = box.add('hi');
    box.wire(m);
    box.wire(m);
    expect(m.sends).toBe(2);
  });
});
