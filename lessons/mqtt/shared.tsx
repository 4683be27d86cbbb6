'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { LabMqtt, type LabMqttOptions, type MqttMessage, type MqttState } from '../../components/lab/clients/mqtt';
import { useLab, useTimeline } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import ui from '../../components/lab/widget.module.css';
import type { TimelineEvent } from '../../lib/timeline';
import styles from './widgets.module.css';

/**
 * One instrumented MQTT client for as long as the widget is mounted (and the
 * session is known). `key` rebuilds it, e.g. when the clean-session box changes.
 */
export function useMqttClient(options: LabMqttOptions, key = '') {
  const { record } = useLab();
  const sessionId = useTimeline((s) => s.sessionId);
  const [client, setClient] = useState<LabMqtt | null>(null);
  const [state, setState] = useState<MqttState>('connecting');
  const optionsRef = useRef(options);
  optionsRef.current = options;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the explicit rebuild trigger.
  useEffect(() => {
    if (!sessionId) return;
    const c = new LabMqtt(record, sessionId, optionsRef.current);
    const off = c.subscribe({ state: setState });
    setClient(c);
    setState(c.state);
    return () => {
      off();
      c.close();
    };
  }, [record, sessionId, key]);

  return { client, state };
}

interface Inbox {
  messages: MqttMessage[];
  count: number;
}
const EMPTY_INBOX: Inbox = { messages: [], count: 0 };

/**
 * Messages a client receives, newest last, at most `limit`; re-rendered at most
 * once per frame. `clear()` empties it, messages still waiting for the next frame included.
 */
export function useInbox(client: LabMqtt | null, limit = 30): Inbox & { clear: () => void } {
  const [view, setView] = useState<Inbox>(EMPTY_INBOX);
  /** Bumped by clear(): the effect below starts over, dropping what it had batched. */
  const [generation, setGeneration] = useState(0);
  const clear = useCallback(() => {
    setView(EMPTY_INBOX);
    setGeneration((g) => g + 1);
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is the explicit restart trigger.
  useEffect(() => {
    if (!client) return;
    let pending: MqttMessage[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setView((v) => ({ messages: [...v.messages, ...batch].slice(-limit), count: v.count + batch.length }));
    };
    const off = client.subscribe({
      message: (m) => {
        pending.push(m);
        frame ||= requestAnimationFrame(flush);
      },
    });
    return () => {
      off();
      cancelAnimationFrame(frame);
    };
  }, [client, limit, generation]);
  return { ...view, clear };
}

/** The latest broker route events (and the aggregated counts that replace them at high rates). */
export function useRouteLog(limit = 40): TimelineEvent[] {
  const { store } = useLab();
  const version = useTimeline((s) => s.version);
  const [lines, setLines] = useState<TimelineEvent[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-read on every store version.
  useEffect(() => {
    const events = store.getState().events;
    const found: TimelineEvent[] = [];
    for (let i = events.length - 1; i >= 0 && found.length < limit; i--) {
      const e = events[i];
      if (e && e.protocol === 'mqtt' && e.origin === 'broker' && (e.kind === 'route' || e.kind === 'note')) found.push(e);
    }
    found.reverse();
    setLines((old) => (old.length === found.length && old.at(-1)?.id === found.at(-1)?.id ? old : found));
  }, [store, version, limit]);
  return lines;
}

export function StateBadge({ state, testId }: { state: MqttState; testId: string }) {
  return (
    <span className={ui.state} data-state={state} data-testid={testId}>
      {state}
    </span>
  );
}

/** The broker's routing terminal: each PUBLISH and where it went, as the broker saw it. */
export function RoutingTerminal({ testId = 'routing-terminal' }: { testId?: string }) {
  const lines = useRouteLog();
  // The list keeps its newest 40 lines, so its length stops changing: follow the list itself.
  const logRef = useLogTail<HTMLOListElement>(lines);
  return (
    <ol
      ref={logRef}
      className={`${ui.log} ${styles.terminal}`}
      data-testid={testId}
      aria-label="Broker routing log"
      aria-live="off"
    >
      {lines.length === 0 && <li className={ui.empty}>No publishes routed yet.</li>}
      {lines.map((e) => (
        <li key={e.id} data-kind={e.kind}>
          {e.kind === 'route' ? `route ${e.summary}` : `broker ${e.summary}`}
          {e.kind === 'route' && e.detail?.fields?.matched ? ` ⇒ ${e.detail.fields.matched}` : ''}
        </li>
      ))}
    </ol>
  );
}

/** A refusal from one of the lesson's endpoints: the problem's detail, and the status for callers that expect some. */
export class LabRefusal extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Sends a JSON body to one of the lesson's endpoints through the instrumented fetch; throws a LabRefusal. */
export async function sendJson(
  labFetch: ReturnType<typeof useLab>['fetch'],
  method: 'PUT' | 'POST',
  url: string,
  body: unknown,
): Promise<unknown> {
  const response = await labFetch(url, {
    method,
    protocol: 'mqtt',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = (json as { detail?: string } | null)?.detail;
    throw new LabRefusal(detail ?? `The lab answered ${response.status}`, response.status);
  }
  return json;
}
