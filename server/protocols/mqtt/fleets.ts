import type { MqttBroker } from './broker';
import { Fleet } from './fleet';

/** One simulated ATM fleet per session, created on first use, stopped with the session. */
export class Fleets {
  private readonly bySession = new Map<string, Fleet>();

  constructor(private readonly broker: MqttBroker) {}

  size(sessionId: string): number {
    return this.bySession.get(sessionId)?.atms ?? 0;
  }

  resize(sessionId: string, size: number): void {
    let fleet = this.bySession.get(sessionId);
    if (!fleet) {
      if (size === 0) return;
      fleet = new Fleet((message) => this.broker.publishFor(sessionId, message));
      this.bySession.set(sessionId, fleet);
    }
    fleet.resize(size);
    if (size === 0) this.bySession.delete(sessionId);
  }

  stop(sessionId: string): void {
    this.bySession.get(sessionId)?.stop();
    this.bySession.delete(sessionId);
  }

  stopAll(): void {
    for (const fleet of this.bySession.values()) fleet.stop();
    this.bySession.clear();
  }
}
