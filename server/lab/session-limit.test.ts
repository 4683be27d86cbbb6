import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { addressKey, clientAddress, SessionLimit, TokenBuckets } from './session-limit';

function fakeClock(start = 1_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

function request(remoteAddress: string | undefined, headers: Record<string, string | string[]> = {}): IncomingMessage {
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

describe('TokenBuckets', () => {
  it('lets a key take its burst at once, then refuses and says how long until the next token', () => {
    const clock = fakeClock();
    const buckets = new TokenBuckets(60, 3, clock.now); // one token a second
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBe(1_000);
    clock.advance(400);
    expect(buckets.take('a')).toBe(600);
    expect(buckets.wait('a')).toBe(600);
  });

  it('keeps keys apart', () => {
    const buckets = new TokenBuckets(60, 1, fakeClock().now);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBeGreaterThan(0);
    expect(buckets.take('b')).toBe(0);
  });

  it('refills at the rate, never above the burst', () => {
    const clock = fakeClock();
    const buckets = new TokenBuckets(60, 3, clock.now);
    for (let i = 0; i < 3; i++) buckets.take('a');
    clock.advance(1_000);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(1_000);
    clock.advance(60_000); // a minute idle: full again, but only 3
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBeGreaterThan(0);
  });

  it('a refused take costs nothing: asking again and again does not push the next token back', () => {
    const clock = fakeClock();
    const buckets = new TokenBuckets(60, 1, clock.now);
    buckets.take('a');
    for (let i = 0; i < 9; i++) {
      clock.advance(100);
      expect(buckets.take('a')).toBe(1_000 - (i + 1) * 100);
    }
    clock.advance(100);
    expect(buckets.take('a')).toBe(0);
  });

  it('wait() takes nothing and knows no key it never saw', () => {
    const buckets = new TokenBuckets(60, 1, fakeClock().now);
    expect(buckets.wait('a')).toBe(0);
    expect(buckets.wait('a')).toBe(0);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.wait('a')).toBe(1_000);
  });

  it('drops buckets that have refilled, so idle clients cost no memory', () => {
    const clock = fakeClock();
    const buckets = new TokenBuckets(60, 3, clock.now); // empty to full: 3 s
    for (let i = 0; i < 100; i++) buckets.take(`10.0.0.${i}`);
    expect(buckets.size).toBe(100);
    clock.advance(1_000);
    buckets.take('busy');
    buckets.take('busy');
    buckets.take('busy');
    expect(buckets.size).toBe(101); // not yet full, and no sweep before the refill time
    clock.advance(2_000);
    buckets.take('late'); // the first take after the refill time sweeps
    expect(buckets.size).toBe(2); // 'busy' (refilling) and 'late'
    expect(buckets.take('busy')).toBe(0);
  });

  it('holds at most maxKeys buckets, making room by forgetting the oldest', () => {
    const clock = fakeClock();
    const buckets = new TokenBuckets(1, 1, clock.now, 10);
    for (let i = 0; i < 25; i++) {
      expect(buckets.take(`k${i}`)).toBe(0);
      clock.advance(1);
    }
    expect(buckets.size).toBe(10);
    // The newest keys are kept (still empty); the oldest were forgotten and start full.
    expect(buckets.wait('k24')).toBeGreaterThan(0);
    expect(buckets.wait('k15')).toBeGreaterThan(0);
    expect(buckets.wait('k14')).toBe(0);
    expect(buckets.wait('k0')).toBe(0);
  });

  it('refuses a configuration that would refuse everything', () => {
    expect(() => new TokenBuckets(0, 3)).toThrow();
    expect(() => new TokenBuckets(60, 0)).toThrow();
  });
});

describe('clientAddress', () => {
  it('uses the socket address and ignores X-Forwarded-For unless the proxy is trusted', () => {
    const req = request('192.0.2.7', { 'x-forwarded-for': '203.0.113.1' });
    expect(clientAddress(req)).toBe('192.0.2.7');
    expect(clientAddress(req, true)).toBe('203.0.113.1');
  });

  it('behind a trusted proxy, counts the last X-Forwarded-For entry (the one the proxy added)', () => {
    expect(clientAddress(request('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 198.51.100.2' }), true)).toBe('198.51.100.2');
    expect(clientAddress(request('127.0.0.1'), true)).toBe('127.0.0.1');
  });

  it('counts an IPv4-mapped address as IPv4 and other IPv6 addresses by their /64', () => {
    expect(addressKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:DB8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::5')).toBe('2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('SessionLimit', () => {
  it('answers the refusal as a 429 problem with Retry-After in whole seconds and a detail a student can act on', () => {
    const clock = fakeClock();
    const limit = new SessionLimit({ sessionsPerMinute: 30, sessionBurst: 2, trustProxy: false }, clock.now);
    const req = request('192.0.2.7');
    expect(limit.take(req)).toBeUndefined();
    expect(limit.take(req)).toBeUndefined();
    const refused = limit.take(req);
    expect(refused?.status).toBe(429);
    expect(refused?.headers).toEqual({ 'retry-after': '2' });
    expect(refused?.extra).toEqual({ retryAfterSeconds: 2 });
    expect(refused?.detail).toContain('192.0.2.7');
    expect(refused?.detail).toContain('Try again in 2 s');
    expect(refused?.detail).toContain('X-Lab-Session');
    expect(limit.retryAfterSeconds(req)).toBe(2);
    expect(limit.retryAfterSeconds(request('192.0.2.8'))).toBe(0);
    clock.advance(2_000);
    expect(limit.take(req)).toBeUndefined();
  });

  it('with 0 a minute, never refuses and keeps nothing', () => {
    const limit = new SessionLimit({ sessionsPerMinute: 0, sessionBurst: 1, trustProxy: false });
    for (let i = 0; i < 1_000; i++) expect(limit.take(request('192.0.2.7'))).toBeUndefined();
    expect(limit.retryAfterSeconds(request('192.0.2.7'))).toBe(0);
    expect(limit.size).toBe(0);
  });
});
