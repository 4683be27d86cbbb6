import { describe, expect, it } from 'vitest';
import { parentPath } from './tracing';

describe('parentPath', () => {
  it('is the resolver whose result holds the field, skipping list indexes', () => {
    expect(parentPath('account.transactions.2.merchant')).toBe('account.transactions');
    expect(parentPath('account.transactions')).toBe('account');
    expect(parentPath('accounts.0.transactions')).toBe('accounts');
  });

  it('is null for a root field', () => {
    expect(parentPath('account')).toBeNull();
  });
});
