/**
 * The lab's own bookkeeping requests (who am I, where is everything, which
 * faults are on). Deliberately NOT instrumented: they are not part of any
 * lesson, and recording them would clutter every student's timeline.
 */
export async function getLabJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
  return (await response.json()) as T;
}
