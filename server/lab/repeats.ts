/**
 * One kept copy of a value that repeats.
 *
 * A busy tap records the same things over and over: a client sends the same
 * header block with every request, a GET answers the same body and headers,
 * a statement runs with the same parameters. The event log keeps what a tap
 * records for as long as the event, and every kept copy is one the garbage
 * collector must copy and promote to the old generation (see the REST section
 * of docs/PERFORMANCE.md). `keep(value)` returns the copy it kept last time
 * when the new value is equal, so the new one dies young; equal values are
 * interchangeable, so sharing one across requests or sessions changes
 * nothing a reader can see. It remembers one value: repeats come in runs.
 */
export class Repeats<T> {
  private last: T | undefined = undefined;

  constructor(private readonly equal: (a: T, b: T) => boolean = (a, b) => a === b) {}

  keep(value: T): T {
    const { last } = this;
    if (last !== undefined && this.equal(last, value)) return last;
    this.last = value;
    return value;
  }
}

/** Equal lists of primitives (statement parameters, say), or equal bytes (typed arrays compare item by item too). */
export function sameItems(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
