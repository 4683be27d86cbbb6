import { describe, expect, it } from 'vitest';
import { MAX_TRACED_RESOLVERS, operationSummary, parentPath } from './tracing';

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

describe('operationSummary', () => {
  it('says "1 resolver call" and "1 SQL statement" in the singular', () => {
    expect(operationSummary('Balance', { sql: 1, resolvers: 1 }, false)).toBe(
      'Balance: 1 SQL statement, 1 resolver call (DataLoader off)',
    );
  });

  it('counts in the plural, and the calls past the drawing limit', () => {
    expect(operationSummary('AccountScreen', { sql: 3, resolvers: MAX_TRACED_RESOLVERS + 1 }, true)).toBe(
      `AccountScreen: 3 SQL statements, ${MAX_TRACED_RESOLVERS + 1} resolver calls (DataLoader on); 1 resolver call not drawn`,
    );
  });
});
