import { describe, expect, it } from 'vitest';
import { buildQuery, leafPaths } from './shape';

describe('leafPaths', () => {
  it('lists every scalar the picker offers, by path', () => {
    expect(leafPaths({ name: 'a', children: [{ name: 'x' }, { name: 'b', children: [{ name: 'y' }] }] })).toEqual([
      'a.x',
      'a.b.y',
    ]);
  });
});

describe('buildQuery', () => {
  it('asks for exactly the ticked fields, with the arguments of each level', () => {
    const query = buildQuery(new Set(['account.owner', 'account.transactions.merchant.name']));
    expect(query).toBe(
      [
        'query AccountScreen {',
        '  account(id: "123") {',
        '    owner',
        '    transactions(first: 3) {',
        '      merchant {',
        '        name',
        '      }',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
  });

  it('leaves out object fields with nothing ticked, and is null when nothing is', () => {
    expect(buildQuery(new Set(['account.balance']))).not.toContain('transactions');
    expect(buildQuery(new Set())).toBeNull();
  });
});
