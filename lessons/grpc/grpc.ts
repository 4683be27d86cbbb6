'use client';

import { createClient } from '@connectrpc/connect';
import { useMemo } from 'react';
import { createGrpcTransport, type GrpcClientOptions } from '../../components/lab/clients/grpc';
import { useLab } from '../../components/lab/LabProvider';
import { AccountService } from '../../proto/gen/lab/bank/v1/bank_pb';

/** The generated AccountService client over the lab's instrumented connect-web transport. */
export function useAccountClient(options: GrpcClientOptions = {}) {
  const { record, fetch } = useLab();
  const { protocol, binary, useHttpGet, onCall } = options;
  return useMemo(
    () => createClient(AccountService, createGrpcTransport(record, fetch, { protocol, binary, useHttpGet, onCall })),
    [record, fetch, protocol, binary, useHttpGet, onCall],
  );
}

/** POST a JSON body to one of the lesson's lab controls (the lab's HTTP/2 client runs the calls). */
export async function postLab<T>(fetch: ReturnType<typeof useLab>['fetch'], path: string, body: unknown): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    protocol: 'grpc',
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
