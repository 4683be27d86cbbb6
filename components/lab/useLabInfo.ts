'use client';

import { useEffect, useState } from 'react';
import type { LabInfo } from '../../lib/lab-info';
import { getLabJson } from './clients/plumbing';

/** One request per page, shared by every component that asks (the fault bar, each terminal box). */
let pending: Promise<LabInfo> | null = null;

function fetchLabInfo(): Promise<LabInfo> {
  pending ??= getLabJson<LabInfo>('/api/lab/info').catch((error: unknown) => {
    pending = null; // let a later mount try again
    throw error;
  });
  return pending;
}

/**
 * Where the lab's endpoints are (GET /api/lab/info), or null until known.
 * Lab plumbing, so it stays off the student's timeline.
 */
export function useLabInfo(): LabInfo | null {
  const [info, setInfo] = useState<LabInfo | null>(null);
  useEffect(() => {
    let live = true;
    fetchLabInfo()
      .then((value) => {
        if (live) setInfo(value);
      })
      .catch(() => undefined); // components show their "not known yet" state
    return () => {
      live = false;
    };
  }, []);
  return info;
}
