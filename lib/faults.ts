/** The body of `POST /api/lab/faults`. */
export type FaultRequest = { action: 'drop'; target: string } | { action: 'latency'; ms: number } | { action: 'clear' };

export const FAULT_ACTIONS = ['drop', 'latency', 'clear'] as const;
/** Upper bound for injected latency, so a typo can't freeze a session for hours. */
export const MAX_LATENCY_MS = 30_000;

export interface FaultState {
  latencyMs: number;
}
