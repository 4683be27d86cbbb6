import { describe, expect, it } from 'vitest';
import { isPlainPath, RequestTarget } from './target';

const pathnameByUrl = (target: string) => new URL(target, 'http://lab.invalid').pathname;

describe('RequestTarget', () => {
  const targets = [
    '/api/accounts/123',
    '/api/accounts/123?x=1&y=%20',
    '/api/grpc/lab.bank.v1.AccountService/GetAccount',
    '/api/accounts/../accounts/123',
    '/api/accounts/%2e%2e/merchants/m-1',
    '/api/accounts/%2E/123',
    '/api/./accounts',
    '/api/accounts/..',
    '/api/accounts/.',
    '/api/accounts/...',
    '/api/accounts/.hidden',
    '//api/accounts',
    '/api\\accounts',
    '/api/accounts/ä',
    '/api/accounts/a b',
    '/api/accounts/<script>',
    '/api/accounts/%41%42',
    '/api/accounts/123#frag',
    '/api/a|b^c[d]{e}`f"g',
    '/',
    '',
    '?only=query',
    'http://example.com/api/accounts/123',
    '*',
  ];

  it.each(targets)('has the pathname the URL parser gives: %s', (target) => {
    expect(new RequestTarget(target).pathname).toBe(pathnameByUrl(target));
  });

  it('builds the URL only when asked, and once', () => {
    const target = new RequestTarget('/api/accounts/123?session=abc');
    expect(target.pathname).toBe('/api/accounts/123');
    expect(target.url).toBe(target.url);
    expect(target.searchParams.get('session')).toBe('abc');
  });

  it('calls a path plain only if the parser would keep it as it is', () => {
    expect(isPlainPath('/api/accounts/123')).toBe(true);
    expect(isPlainPath('/api/accounts/%2E%2e')).toBe(false);
    expect(isPlainPath('/api/accounts/a b')).toBe(false);
    expect(isPlainPath('//host/path')).toBe(false);
  });
});
