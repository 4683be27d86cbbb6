/**
 * One kept copy of a value that repeats.
 *
 * A busy tap records the same things over and over: a client sends the same
 * header block with every request, a GET answers the same body and headers,
 * a statement runs with the same parameters. The event log keeps what a tap
 * records for as long as the event, and every kept copy is one the garbage
 * collector must copy and promote to the old generation (see the REST section
 * of docs/PERFORMANCE.md). `keep(value)` returns the copy it kept earlier
 * when the new value equals one it remembers, so the new one dies young;
 * equal values are interchangeable, so sharing one across requests or
 * sessions changes nothing a reader can see. It remembers the last few
 * distinct values: repeats come in runs, or take turns (the REST lesson's two
 * instances answer in turn, each with its own `x-lab-instance` header).
 */
export class Repeats<T> {
  /** The last `size` distinct values, the newest at `next - 1` (a ring). */
  private readonly recent: (T | undefined)[];
  private next = 0;

  constructor(
    private readonly equal: (a: T, b: T) => boolean = (a, b) => a === b,
    size = 4,
  ) {
    this.recent = new Array(size).fill(undefined);
  }

  keep(value: T): T {
    const { recent } = this;
    const size = recent.length;
    // Newest first: a run finds its value at once.
    for (let i = 1; i <= size; i++) {
      const kept = recent[(this.next - i + size) % size];
      if (kept !== undefined && this.equal(kept, value)) return kept;
    }
    recent[this.next] = value;
    this.next = (this.next + 1) % size;
    return value;
  }
}

/** Equal lists of primitives (statement parameters, say), or equal bytes (typed arrays compare item by item too). */
export function sameItems(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
