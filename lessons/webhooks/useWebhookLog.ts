'use client';

import { useMemo } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { useThrottledVersion } from '../../components/timeline/useThrottledVersion';
import type { TimelineEvent } from '../../lib/timeline';

/** The receiver every widget in this lesson uses. */
export const RECEIVER = 'my-app';
export const RECEIVER_PATH = `/api/webhooks/receivers/${RECEIVER}`;

export interface AttemptView {
  n: number;
  delayMs: number;
  /** HTTP status, or null for a timeout / refused connection. */
  status: number | null;
  error: string | null;
  durationMs: number | null;
}

export interface DeliveryView {
  id: string;
  event: string;
  type: string;
  status: 'pending' | 'retrying' | 'delivered' | 'failed';
  attempts: AttemptView[];
  nextDelayMs: number | null;
}

export interface AppView {
  /** Account 123's balance after the last change "your app" made, if any was seen. */
  balanceCents: number | null;
  /** Each transaction's status as your app last stored it. */
  transactions: Map<string, string>;
  dedupeHits: number;
  /**
   * The newest event in which your app changed its own settings (process-then-time-out
   * switches itself back to "ok" after one delivery), by timeline id: a page showing the
   * settings reads them again when this changes.
   */
  selfChange: string | null;
}

const fields = (e: TimelineEvent) => e.detail?.fields ?? {};

/**
 * Both sides of every delivery, read from the page's timeline (the server's
 * webhooks events arrive over the lab channel): the bank's log of attempts,
 * and "your app"'s state. Nothing is polled.
 */
export function useWebhookLog(): { deliveries: DeliveryView[]; app: AppView } {
  const { store } = useLab();
  const version = useThrottledVersion(150);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the signal that the store's events changed.
  return useMemo(() => {
    const byId = new Map<string, DeliveryView>();
    const app: AppView = { balanceCents: null, transactions: new Map(), dedupeHits: 0, selfChange: null };
    const events = store
      .getState()
      .events.filter((e) => e.origin === 'server' && e.protocol === 'webhooks')
      .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    for (const e of events) {
      const f = fields(e);
      if (f.side === 'receiver') {
        if (f.receiver !== RECEIVER) continue;
        if (typeof f.balanceCents === 'number' && f.account === '123') app.balanceCents = f.balanceCents;
        if (f.applied && typeof f.transaction === 'string' && typeof f.status === 'string')
          app.transactions.set(f.transaction, f.status);
        if (f.dedupe === 'hit') app.dedupeHits++;
        if (f.modeNow !== undefined) app.selfChange = e.id;
        continue;
      }
      const id = typeof f.delivery === 'string' ? f.delivery : undefined;
      if (!id) continue;
      let d = byId.get(id);
      if (!d) {
        d = { id, event: String(f.event ?? ''), type: String(f.type ?? ''), status: 'pending', attempts: [], nextDelayMs: null };
        byId.set(id, d);
      }
      if (e.kind === 'note' && typeof f.type === 'string') d.type = f.type;
      if (e.kind === 'note' && /manual redeliver/.test(e.summary)) d.status = 'pending';
      if (e.kind === 'request') {
        // `attempt` counts over the delivery's whole life (`try` starts again after a redeliver).
        d.attempts.push({ n: Number(f.attempt), delayMs: e.detail?.delayMs ?? 0, status: null, error: null, durationMs: null });
        d.nextDelayMs = null;
      }
      const last = d.attempts.at(-1);
      if ((e.kind === 'response' || e.kind === 'error') && e.stream && last) {
        last.status = e.detail?.status ?? null;
        last.error = e.detail?.reason ?? (e.detail?.status && e.detail.status >= 300 ? `HTTP ${e.detail.status}` : null);
        last.durationMs = e.detail?.durationMs ?? null;
        d.status = f.outcome === 'delivered' ? 'delivered' : f.outcome === 'failed' ? 'failed' : 'retrying';
      }
      if (e.kind === 'retry') d.nextDelayMs = e.detail?.delayMs ?? null;
    }
    return { deliveries: [...byId.values()].reverse(), app };
  }, [store, version]);
}

export function euros(cents: number): string {
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }).format(cents / 100);
}
