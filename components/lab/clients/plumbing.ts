/**
 * The lab's own bookkeeping requests (who am I, where is everything, which
 * faults are on). Deliberately NOT instrumented: they are not part of any
 * lesson, and recording them would clutter every student's timeline.
 */
import { problemMessageIn } from '../../../lib/problem';
export async function getLabJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) {
    // The lab's refusals are problem documents that say what happened (a 429 says when to retry).
    throw new Error(problemMessageIn(await response.text()) ?? `GET ${path} answered ${response.status}`);
  }
  return (await response.json()) as T;
}
