/**
 * The field picker's model: which fields of the account screen a student
 * ticked, turned into the GraphQL query that asks for exactly those.
 */

export interface FieldNode {
  name: string;
  /** Arguments as written in the query, e.g. `(first: 3)`. */
  args?: string;
  children?: FieldNode[];
}

/** Everything the picker offers: the account, its latest transactions, and each one's merchant. */
export const ACCOUNT_FIELDS: FieldNode = {
  name: 'account',
  args: '(id: "123")',
  children: [
    { name: 'id' },
    { name: 'owner' },
    { name: 'balance' },
    {
      name: 'transactions',
      args: '(first: 3)',
      children: [
        { name: 'id' },
        { name: 'amount' },
        { name: 'description' },
        { name: 'createdAt' },
        { name: 'merchant', children: [{ name: 'id' }, { name: 'name' }, { name: 'category' }] },
      ],
    },
  ],
};

/** `account.transactions.merchant.name`: a leaf's path, the key of the picker's checkbox. */
export function leafPaths(node: FieldNode, prefix = ''): string[] {
  const path = prefix ? `${prefix}.${node.name}` : node.name;
  return node.children ? node.children.flatMap((child) => leafPaths(child, path)) : [path];
}

/**
 * The query selecting exactly the ticked leaves. An object field appears
 * only if at least one of its leaves is ticked (GraphQL has no empty
 * selections); null when nothing is ticked at all.
 */
export function buildQuery(selected: ReadonlySet<string>, root: FieldNode = ACCOUNT_FIELDS): string | null {
  const render = (node: FieldNode, path: string, indent: string): string | null => {
    if (!node.children) return selected.has(path) ? `${indent}${node.name}` : null;
    const inner = node.children
      .map((child) => render(child, `${path}.${child.name}`, `${indent}  `))
      .filter((line): line is string => line !== null);
    if (inner.length === 0) return null;
    return `${indent}${node.name}${node.args ?? ''} {\n${inner.join('\n')}\n${indent}}`;
  };
  const body = render(root, root.name, '  ');
  return body ? `query AccountScreen {\n${body}\n}` : null;
}
