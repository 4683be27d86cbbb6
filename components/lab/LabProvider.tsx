'use client';

import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { TimelineEvent } from '../../lib/timeline';
import { createTimelineStore, type TimelineState, type TimelineStore } from '../timeline/store';
import { createLabFetch, type LabFetch } from './clients/fetch';
import { connectLabChannel } from './clients/lab-channel';
import { getLabJson } from './clients/plumbing';
import { createRecorder, type Recorder } from './clients/recorder';
import { onNewSessionElsewhere } from './clients/session-sync';

/** What every widget gets: the store, a recorder, and ready-made instrumented clients. */
export interface LabContextValue {
  store: TimelineStore;
  record: Recorder;
  fetch: LabFetch;
}

const LabContext = createContext<LabContextValue | null>(null);

/** The read-only view of the lab that tests and curious students get as `window.__lab`. */
export interface LabWindowApi {
  readonly sessionId: string | null;
  /** A copy of every event on the timeline, oldest first (browser clock). */
  events(): TimelineEvent[];
  readonly lastServerSeq: number;
  readonly channel: TimelineState['channel'];
  readonly clockOffset: number;
  readonly evicted: number;
}

declare global {
  interface Window {
    __lab?: LabWindowApi;
  }
}

function exposeOnWindow(store: TimelineStore): void {
  const api: LabWindowApi = Object.freeze({
    get sessionId() {
      return store.getState().sessionId;
    },
    events: () => {
      store.getState().flush();
      return store.getState().events.map((e) => structuredClone(e));
    },
    get lastServerSeq() {
      return store.getState().lastServerSeq;
    },
    get channel() {
      return store.getState().channel;
    },
    get clockOffset() {
      return store.getState().clockOffset;
    },
    get evicted() {
      return store.getState().evicted;
    },
  });
  Object.defineProperty(window, '__lab', { value: api, configurable: true, enumerable: false, writable: false });
}

/**
 * One timeline store per page (zustand's Next.js pattern: created in a client
 * provider, never a module-level singleton shared across requests).
 */
export function LabProvider({ children }: { children: ReactNode }) {
  const [value] = useState<LabContextValue>(() => {
    const store = createTimelineStore();
    const record = createRecorder((event) => store.getState().record(event));
    return { store, record, fetch: createLabFetch(record) };
  });

  useEffect(() => {
    exposeOnWindow(value.store);
    // The session cookie is set when the page is served; this also recovers if it expired since.
    // The lab channel calls this again while it reconnects, so a refusal (the lab's limit on new
    // sessions, say) is noted once, not on every try.
    let refusal: string | undefined;
    const renewSession = () =>
      getLabJson<{ id: string }>('/api/lab/session')
        .then(({ id }) => {
          refusal = undefined;
          value.store.getState().setSession(id);
        })
        .catch((error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          if (message === refusal) return;
          refusal = message;
          value.record({
            protocol: 'lab',
            kind: 'note',
            summary: `the lab could not give this tab a session yet (it keeps asking): ${message}`,
          });
        });
    void renewSession();
    const disconnect = connectLabChannel(value.store, renewSession);
    // Another tab started over: this tab's requests already carry the new cookie, so it follows.
    const stopFollowing = onNewSessionElsewhere((id) => {
      if (id !== value.store.getState().sessionId) window.location.reload();
    });
    return () => {
      stopFollowing();
      disconnect();
    };
  }, [value]);

  return <LabContext.Provider value={value}>{children}</LabContext.Provider>;
}

export function useLab(): LabContextValue {
  const value = useContext(LabContext);
  if (!value) throw new Error('useLab() must be used inside <LabProvider>');
  return value;
}

/** Subscribes a component to a slice of the timeline state. */
export function useTimeline<T>(selector: (state: TimelineState) => T): T {
  return useStore(useLab().store, selector);
}
