/**
 * A deterministic stand-in for a language model: the same parameters give
 * the same tokens at the same pace, every time, so tests and students can
 * compare runs. Tokens are word pieces (at most five characters, a leading
 * space kept with the word), which is roughly how real tokenizers cut text.
 */

const PASSAGE =
  'Streaming means the server sends an answer while it is still working on it. ' +
  'A model that writes one token at a time can show the first words after a few hundred milliseconds, ' +
  'even if the whole answer needs ten seconds. The total time is the same; what changes is how long you stare at a spinner. ' +
  'Over HTTP, a streamed response is just a body whose end is not known in advance: ' +
  'HTTP/1.1 sends it in chunks, each prefixed with its size, and a zero-sized chunk says it is over. ' +
  'The browser hands those bytes to the page as they arrive, through a ReadableStream. ' +
  'When the reader loses interest and cancels, the connection closes, and a well-behaved server notices and stops generating. ' +
  'Nobody pays for tokens that no one will read.';

/** The passage cut into tokens, cycled as often as a long answer needs. */
export const TOKENS: readonly string[] = PASSAGE.match(/\s*[^\s]{1,5}/g) ?? [];

export interface TokenPlan {
  /** How many tokens to produce. */
  count: number;
  /** Average milliseconds between tokens. */
  paceMs: number;
  /** Milliseconds before the first token ("reading the prompt"). */
  thinkMs: number;
}

/** The i-th token of an answer (0-based). */
export function tokenAt(i: number): string {
  return TOKENS[i % TOKENS.length] ?? '';
}

/**
 * The wait before token i: the think time before the first, then the pace
 * with a deterministic ±50% wobble, as real generation is never perfectly even.
 */
export function delayBefore(i: number, plan: TokenPlan): number {
  if (i === 0) return plan.thinkMs;
  // A tiny integer hash of i gives a repeatable wobble in [0.5, 1.5).
  const wobble = 0.5 + (((i * 2654435761) >>> 0) % 1000) / 1000;
  return Math.round(plan.paceMs * wobble);
}

/** The whole answer, for the wait-for-everything response and for tests. */
export function fullText(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += tokenAt(i);
  return text;
}
