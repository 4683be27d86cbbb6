import { describe, expect, it } from 'vitest';
import { checkTarget, isPrivateHost } from './targets';

const LAB = 'http://localhost:3000';

describe('checkTarget', () => {
  it("accepts the lab's own receivers, by full URL or by path", () => {
    expect(checkTarget(`${LAB}/api/webhooks/receivers/my-app`, LAB)).toEqual({
      ok: true,
      receiver: 'my-app',
      path: '/api/webhooks/receivers/my-app',
    });
    expect(checkTarget('/api/webhooks/receivers/shop-2', undefined)).toMatchObject({ ok: true, receiver: 'shop-2' });
  });

  it.each([
    ['https://example.com/hook', 'external'],
    ['http://attacker.test/api/webhooks/receivers/x', 'external'],
    ['http://localhost:6379/', 'private'],
    ['http://127.0.0.1:3000/api/webhooks/receivers/x', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'private'],
    ['http://10.1.2.3/hook', 'private'],
    ['http://192.168.0.10/hook', 'private'],
    ['http://[::1]:3000/hook', 'private'],
    ['http://[::ffff:127.0.0.1]/hook', 'private'],
    ['http://2130706433/hook', 'private'],
    ['http://0x7f000001/hook', 'private'],
    ['http://metadata.google.internal/', 'private'],
    ['http://user:pw@example.com/', 'private'],
    ['//example.com/api/webhooks/receivers/x', 'external'],
    [`${LAB}/api/lab/info`, 'not-a-receiver'],
    [`${LAB}/api/webhooks/receivers/x/../../../lab/faults`, 'not-a-receiver'],
    [`${LAB}/api/webhooks/receivers/x?next=http://example.com`, 'not-a-receiver'],
    [`${LAB}/api/webhooks/receivers/UPPER`, 'not-a-receiver'],
    ['file:///etc/passwd', 'invalid'],
    ['not a url at all', 'not-a-receiver'],
    ['', 'invalid'],
    [42, 'invalid'],
  ])('refuses %s (%s)', (input, reason) => {
    const result = checkTarget(input, LAB);
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('explains SSRF in the refusal', () => {
    const result = checkTarget('http://169.254.169.254/', LAB);
    expect(result.ok || result.detail).toMatch(/server-side request forgery/);
  });
});

describe('isPrivateHost', () => {
  it('tells private names and ranges from public ones', () => {
    expect(['localhost', 'db', '172.20.0.1', '100.64.1.1', 'fd00::1', 'fe80::1'].every(isPrivateHost)).toBe(true);
    expect(['example.com', '93.184.215.14', '2606:4700::1111'].some(isPrivateHost)).toBe(false);
  });
});
