/** The regions ATMs are spread over: the second level of every fleet topic. */
export const REGIONS = ['eu-west', 'us-east', 'ap-south'] as const;
/** Most ATMs one session may simulate: enough to show aggregation, small enough for a shared lab. */
export const MAX_FLEET = 5000;
/** Each ATM reports its cash level about this often. */
export const REPORT_EVERY_MS = 5000;
const TICK_MS = 1000;
/**
 * Share of reports (with cash withdrawn) that also carry a transaction confirmation (QoS 2). Often
 * enough that the lesson's 12 ATMs show one every few seconds (about 0.27 a second), rare
 * enough that the alert system stays the quiet subscriber next to the dashboard.
 */
const TRANSACTION_SHARE = 0.12;

export interface FleetMessage {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

/** `atms/<region>/<atm-id>`: ATM i lives in region i mod 3. */
export function atmTopic(index: number): string {
  const region = REGIONS[index % REGIONS.length];
  return `atms/${region}/atm-${String(index + 1).padStart(4, '0')}`;
}

/**
 * One session's simulated ATM fleet. Each second, a fifth of the ATMs report
 * (so each reports every ~5 s): a retained cash level at QoS 0, now and then a
 * QoS 2 transaction confirmation. New ATMs announce `status = online`
 * (retained), removed ones `offline`. It publishes through `publish` (straight
 * into the broker), holds one timer while it has ATMs, and none when stopped.
 */
export class Fleet {
  private size = 0;
  private tick = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly cash: number[] = [];
  /** Messages waiting to go out, one at a time: a burst of thousands at once would overflow mqemitter's stack. */
  private queue: FleetMessage[] = [];
  private pumping = false;

  constructor(
    private readonly publish: (message: FleetMessage) => Promise<void>,
    private readonly random: () => number = Math.random,
  ) {}

  get atms(): number {
    return this.size;
  }

  resize(size: number): void {
    if (!Number.isInteger(size) || size < 0 || size > MAX_FLEET) {
      throw new RangeError(`the fleet holds 0 to ${MAX_FLEET} ATMs`);
    }
    for (let i = this.size; i < size; i++) {
      this.cash[i] ??= 20_000 + Math.round(this.random() * 30_000);
      this.enqueue({ topic: `${atmTopic(i)}/status`, payload: 'online', qos: 1, retain: true });
    }
    for (let i = size; i < this.size; i++) {
      this.enqueue({ topic: `${atmTopic(i)}/status`, payload: 'offline', qos: 1, retain: true });
    }
    this.size = size;
    if (size > 0 && !this.timer) this.timer = setInterval(() => this.report(), TICK_MS);
    if (size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.size = 0;
    this.queue = [];
  }

  private enqueue(message: FleetMessage): void {
    this.queue.push(message);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    for (let message = this.queue.shift(); message; message = this.queue.shift()) {
      await this.publish(message).catch(() => undefined);
    }
    this.pumping = false;
  }

  /** One tick: the ATMs whose turn it is report their cash level. */
  report(): void {
    // Still sending the last round (a big fleet on a busy machine): skip this one rather than pile up.
    if (this.queue.length > 0) return;
    const slots = REPORT_EVERY_MS / TICK_MS;
    const turn = this.tick++ % slots;
    for (let i = turn; i < this.size; i += slots) {
      const withdrawn = Math.round(this.random() * 8) * 20;
      const cash = Math.max(0, (this.cash[i] ?? 0) - withdrawn);
      this.cash[i] = cash < 2000 ? 50_000 : cash; // refilled by the cash-in-transit van
      const topic = atmTopic(i);
      this.enqueue({ topic: `${topic}/cash-level`, payload: JSON.stringify({ cash: this.cash[i] }), qos: 0, retain: true });
      if (withdrawn > 0 && this.random() < TRANSACTION_SHARE) {
        const tx = `tx-${Date.now().toString(36)}-${i}`;
        this.enqueue({
          topic: `${topic}/transactions`,
          payload: JSON.stringify({ tx, amount: withdrawn }),
          qos: 2,
          retain: false,
        });
      }
    }
  }
}
