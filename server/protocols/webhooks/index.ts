import type { Lab } from '../../lab';
import { Bank } from './bank';
import { createHandlers } from './handler';
import { Outbox } from './outbox';
import { Receivers } from './receiver';
import { timingFromEnv, type WebhookTiming } from './schedule';
import { createSchema, forgetSession } from './schema';
import { DeliveryWorker } from './worker';

/**
 * Webhooks: a bank that calls "your app" back. The bank (bank.ts) commits
 * events to an outbox in SQLite (outbox.ts); the delivery worker (worker.ts)
 * POSTs them, signed (signature.ts), to lab-hosted receivers (receiver.ts)
 * and retries failures on a compressed real-world schedule (schedule.ts).
 * Only the lab's own receivers can be registered (targets.ts: SSRF).
 *
 * `start(port)` must run once the HTTP port is bound (deliveries are real
 * HTTP requests to it); `close()` stops the worker and every timer.
 */
export function createWebhooks(lab: Lab, timing: WebhookTiming = timingFromEnv()) {
  createSchema(lab.db);
  const outbox = new Outbox(lab.db);
  // The parts call each other only later, at run time, so they can be wired in any order.
  const bank = new Bank(lab, () => worker.wake(), timing.autoEveryMs);
  const receivers = new Receivers(lab, timing, (sessionId) => bank.secret(sessionId));
  const worker = new DeliveryWorker(lab, outbox, timing, (sessionId, name) => receivers.isDown(sessionId, name));
  const handlers = createHandlers({ bank, receivers, worker, timing });

  lab.sessions.onExpire((sessionId) => {
    worker.forget(sessionId);
    bank.stopAuto(sessionId);
    forgetSession(lab.db, sessionId);
  });

  return {
    ...handlers,
    receive: (ctx: Parameters<Receivers['receive']>[0]) => receivers.receive(ctx),
    async start(port: number): Promise<void> {
      await worker.start(port);
      receivers.resumeInbox();
    },
    async close(): Promise<void> {
      bank.stopAuto();
      await worker.stop();
      receivers.close();
    },
  };
}
