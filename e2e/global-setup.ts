import fs from 'node:fs';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { BASE_URL_ENV, distDir, PID_ENV, ROOT, runSuffix, startLabServer } from './lab-server';

/**
 * Starts the real production server once for the whole run: Next.js pages from
 * the last `next build` plus every lab endpoint, on a free port, with an
 * in-memory database and the test hooks on. Workers inherit LAB_BASE_URL.
 */
export default async function globalSetup(_config: FullConfig): Promise<void> {
  const buildId = path.join(distDir(), 'BUILD_ID');
  if (!fs.existsSync(buildId)) {
    throw new Error(
      `No production build at ${path.relative(ROOT, distDir())}/. The end-to-end tests run the production server: ` +
        'run `npm run build` first (`npm run test:e2e` does both).',
    );
  }
  const resultsDir = path.join(ROOT, 'test-results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const logFile = path.join(resultsDir, `lab-server${runSuffix()}.log`);
  fs.writeFileSync(logFile, '');

  const server = await startLabServer({
    env: {
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      LAB_DB: ':memory:',
      LAB_TEST_HOOKS: '1',
      // Extra listeners on free ports: several test servers may run side by side.
      MQTT_PORT: '0',
      GRPC_PORT: '0',
      // Every test's browser context loads pages without a cookie, all from 127.0.0.1: hundreds of
      // new sessions a run. The limit stays on (so the production server runs its code path) but
      // far above what the suite creates; tests/integration/session-limit.test.ts covers refusals.
      LAB_SESSIONS_PER_MINUTE: '6000',
      LAB_SESSIONS_BURST: '2000',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    logFile,
  });
  if (server.mode !== 'production') {
    server.child.kill('SIGKILL');
    throw new Error(`Expected the lab server in production mode, it started in ${server.mode} mode.`);
  }
  // The server binds 127.0.0.1 only; use the address, not "localhost", which may resolve to ::1 first.
  const baseURL = `http://127.0.0.1:${server.port}`;
  process.env[BASE_URL_ENV] = baseURL;
  process.env[PID_ENV] = String(server.child.pid);
  // Don't keep the test runner alive for the server's sake; the teardown stops it.
  server.child.unref();
  console.log(`[e2e] lab server (pid ${server.child.pid}) at ${baseURL}; log: ${path.relative(ROOT, logFile)}`);
}
