/**
 * Checks a run of event ids for holes and repeats: the proof that a
 * resume lost nothing and replayed nothing twice.
 */
export interface Continuity {
  first: number | null;
  last: number | null;
  count: number;
  /** Ids skipped (e.g. 4 → 7 counts 2). */
  missing: number;
  /** Ids seen again, or going backwards. */
  duplicates: number;
}

export const emptyContinuity = (): Continuity => ({ first: null, last: null, count: 0, missing: 0, duplicates: 0 });

export function addId(c: Continuity, id: number): Continuity {
  if (c.last === null) return { ...c, first: id, last: id, count: 1 };
  if (id <= c.last) return { ...c, count: c.count + 1, duplicates: c.duplicates + 1 };
  return { ...c, last: id, count: c.count + 1, missing: c.missing + (id - c.last - 1) };
}
