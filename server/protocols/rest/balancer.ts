/**
 * The lab's load balancer in front of the REST instances: round-robin over
 * the instances that are up. Which instances are up is per session, so one
 * student stopping instance A changes nothing for anyone else. (The balancer
 * remembering where it is in the rotation is fine: a load balancer is not
 * the API, and nothing a response says depends on it.)
 */

export const INSTANCE_NAMES = ['A', 'B'] as const;
export type InstanceName = (typeof INSTANCE_NAMES)[number];

export function isInstanceName(value: unknown): value is InstanceName {
  return (INSTANCE_NAMES as readonly unknown[]).includes(value);
}

interface SessionRotation {
  next: number;
  down: Set<InstanceName>;
}

export class RoundRobin {
  private readonly sessions = new Map<string, SessionRotation>();

  private rotation(sessionId: string): SessionRotation {
    let state = this.sessions.get(sessionId);
    if (!state) {
      state = { next: 0, down: new Set() };
      this.sessions.set(sessionId, state);
    }
    return state;
  }

  /** The instance that serves the session's next request, skipping stopped ones; undefined when none is up. */
  pick(sessionId: string): InstanceName | undefined {
    const state = this.rotation(sessionId);
    for (let tried = 0; tried < INSTANCE_NAMES.length; tried++) {
      const name = INSTANCE_NAMES[state.next % INSTANCE_NAMES.length] as InstanceName;
      state.next = (state.next + 1) % INSTANCE_NAMES.length;
      if (!state.down.has(name)) return name;
    }
    return undefined;
  }

  setRunning(sessionId: string, name: InstanceName, running: boolean): void {
    const { down } = this.rotation(sessionId);
    if (running) down.delete(name);
    else down.add(name);
  }

  status(sessionId: string): { name: InstanceName; running: boolean }[] {
    const down = this.sessions.get(sessionId)?.down;
    return INSTANCE_NAMES.map((name) => ({ name, running: !down?.has(name) }));
  }

  forget(sessionId: string): void {
    this.sessions.delete(sessionId);
  }
}
