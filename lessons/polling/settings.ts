/**
 * The polling widget's number fields: what each accepts and, when a value
 * doesn't fit, a sentence saying which field is wrong and what it takes.
 * The source's ranges match what POST /api/poll/source accepts.
 */

export interface Field {
  /** How the widget labels it, e.g. "mean gap". */
  label: string;
  min: number;
  max: number;
  unit?: string;
}

export const FIELDS = {
  interval: { label: 'poll every', min: 100, max: 60_000, unit: 'ms' },
  timeout: { label: 'long-poll timeout', min: 1000, max: 60_000, unit: 'ms' },
  mean: { label: 'mean gap', min: 100, max: 60_000, unit: 'ms' },
  seed: { label: 'seed', min: 0, max: 4_294_967_295 },
} as const satisfies Record<string, Field>;

/** The text as a whole number within the field's range, or null. */
export function whole(text: string, field: Field): number | null {
  const n = Number(text);
  return text.trim() !== '' && Number.isInteger(n) && n >= field.min && n <= field.max ? n : null;
}

/** Why the text doesn't fit the field, or null when it does. */
export function problemWith(text: string, field: Field): string | null {
  if (whole(text, field) !== null) return null;
  const unit = field.unit ? ` ${field.unit}` : '';
  const range = `a whole number from ${field.min} to ${field.max}${unit}`;
  return text.trim() === ''
    ? `Give the ${field.label}: ${range}.`
    : `The ${field.label} must be ${range}, not "${text.slice(0, 24)}".`;
}

/** One sentence per field that doesn't fit, in the order given. */
export function problemsWith(entries: [text: string, field: Field][]): string[] {
  return entries.map(([text, field]) => problemWith(text, field)).filter((p): p is string => p !== null);
}
