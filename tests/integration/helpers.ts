import { createLabServer, type LabServer } from '../../server/app';
import { configFromEnv } from '../../server/lab/config';

/** A real lab server (API only, in-memory database) on a free loopback port. */
export async function startLab(overrides: Partial<ReturnType<typeof configFromEnv>> = {}) {
  const server: LabServer = await createLabServer({
    ...configFromEnv({}),
    next: false,
    port: 0,
    host: '127.0.0.1',
    dbPath: ':memory:',
    testHooks: true,
    ...overrides,
  });
  const port = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  return {
    server,
    base,
    wsBase: `ws://127.0.0.1:${port}`,
    async newSession(): Promise<string> {
      const res = await fetch(`${base}/api/lab/sessions`, { method: 'POST' });
      return ((await res.json()) as { id: string }).id;
    },
    close: () => server.close(),
  };
}

export type TestLab = Awaited<ReturnType<typeof startLab>>;
