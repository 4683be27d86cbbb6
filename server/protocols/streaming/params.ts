import { HttpError } from '../../http/errors';

/** A whole-number query parameter within [min, max]; `fallback` when absent; a 400 a student can read otherwise. */
export function intParam(url: URL, name: string, { min, max, fallback }: { min: number; max: number; fallback: number }): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new HttpError(400, `Bad ${name}`, `"${name}" must be a whole number from ${min} to ${max}, got "${raw.slice(0, 40)}".`);
  }
  return value;
}

/** One of a fixed set of words; `fallback` when absent. */
export function choiceParam<T extends string>(url: URL, name: string, choices: readonly T[], fallback: T): T {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new HttpError(400, `Bad ${name}`, `"${name}" must be one of: ${choices.join(', ')} (got "${raw.slice(0, 40)}").`);
  }
  return raw as T;
}
