import type { FaultRequest, FaultState } from '../../lib/faults';
import { problemMessage } from '../../lib/problem';
import type { LabFetch } from './clients/fetch';

/** What POST /api/lab/faults answers, per action. */
export type FaultReply<R extends FaultRequest> = R extends { action: 'drop' } ? { dropped: number } : FaultState;

/**
 * Sends a fault through the instrumented fetch, so the request and the
 * server's fault event both appear on the student's timeline.
 * Throws an Error carrying the server's problem detail when it refuses.
 */
export async function postFault<R extends FaultRequest>(labFetch: LabFetch, request: R): Promise<FaultReply<R>> {
  const response = await labFetch('/api/lab/faults', {
    method: 'POST',
    protocol: 'lab',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new Error(problemMessage(body) ?? `The lab answered ${response.status}`);
  return body as FaultReply<R>;
}

export function droppedText(count: number): string {
  return `dropped ${count} connection${count === 1 ? '' : 's'}`;
}
