import type { TimelineEvent } from '../../lib/timeline';

let counter = 0;

/** A minimal valid event for tests; override whatever the test is about. */
export function testEvent(overrides: Partial<TimelineEvent> = {}): TimelineEvent {
  counter += 1;
  return {
    id: `t:${counter}`,
    at: counter,
    origin: 'browser',
    protocol: 'http',
    kind: 'request',
    summary: `event ${counter}`,
    ...overrides,
  };
}
