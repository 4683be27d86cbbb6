import { HttpError } from '../../http/errors';

/** A whole-number query parameter within [min, max], its default when absent, or a 400 that says what is allowed. */
export function intParam(url: URL, name: string, range: { min: number; max: number; fallback: number; unit?: string }): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return range.fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
    const unit = range.unit ? ` ${range.unit}` : '';
    throw new HttpError(
      400,
      `Bad "${name}"`,
      `"${name}" must be a whole number from ${range.min} to ${range.max}${unit}, got "${raw.slice(0, 40)}".`,
    );
  }
  return value;
}
