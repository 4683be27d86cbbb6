import type { DescField, DescMessage } from '@bufbuild/protobuf';
import type { Locator } from '@playwright/test';

/**
 * The field number the .proto gives a JSON path such as "account.balance.cents"
 * or "account.cards[0].status", walked through the generated schema: the
 * expected answer for the hex dump's annotations comes from the contract itself.
 */
export function fieldNumberAt(schema: DescMessage, path: string): number | undefined {
  let message: DescMessage | undefined = schema;
  let number: number | undefined;
  for (const part of path.split('.')) {
    const name = part.replace(/\[\d+\]$/, '');
    const field: DescField | undefined = message?.fields.find((f) => f.jsonName === name);
    if (!field) return undefined;
    number = field.number;
    message =
      field.fieldKind === 'message'
        ? field.message
        : field.fieldKind === 'list' && field.listKind === 'message'
          ? field.message
          : undefined;
  }
  return number;
}

/** The annotated hex dump's tag rows: [path, field number, wire type] as the page shows them. */
export async function tagRows(dump: Locator): Promise<{ path: string; field: number; wireType: number }[]> {
  return dump.locator('[data-testid="hex-span"][data-role="tag"]').evaluateAll((rows) =>
    rows.map((row) => ({
      path: row.getAttribute('data-path') ?? '',
      field: Number(row.getAttribute('data-field')),
      wireType: Number(row.getAttribute('data-wire-type')),
    })),
  );
}

/** "1 2 3" → [1, 2, 3] */
export function numbers(text: string | null): number[] {
  return (text ?? '').split(/\s+/).filter(Boolean).map(Number);
}
