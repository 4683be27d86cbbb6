/**
 * The "Fail part" field of the upload widget: no injected failure (empty or
 * 0), or the number of one of the upload's parts. Anything else is refused
 * here, with the same kind of reason whether it is `abc`, `-1` or `99`.
 */
export type FailPartChoice = { ok: true; part: number | null } | { ok: false; error: string };

export function parseFailPart(text: string, partCount: number | null): FailPartChoice {
  const trimmed = text.trim();
  if (trimmed === '' || /^0+$/.test(trimmed)) return { ok: true, part: null };
  const part = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (Number.isSafeInteger(part) && (partCount === null || part <= partCount)) return { ok: true, part };
  const range =
    partCount === null
      ? 'a part number (1 or more)'
      : `a part number from 1 to ${partCount} (this file makes ${partCount} part${partCount === 1 ? '' : 's'})`;
  return { ok: false, error: `“Fail part” must be 0 for no failure, or ${range}; “${trimmed.slice(0, 20)}” is neither.` };
}
