import { defineConfig, devices } from '@playwright/test';
import { BASE_URL_ENV, runSuffix } from './e2e/lab-server';
import { CHROMIUM_ARGS, requireChromium } from './scripts/find-chromium';

/**
 * End-to-end tests: the real production server (started once by
 * e2e/global-setup.ts after `next build`) driven by a local Chromium.
 * Playwright never downloads a browser here: see scripts/find-chromium.ts.
 */
const chromium = requireChromium();
const CI = Boolean(process.env.CI);

export default defineConfig({
  testDir: 'e2e',
  globalSetup: './e2e/global-setup.ts',
  globalTeardown: './e2e/global-teardown.ts',
  // Specs share one server; every spec makes its own sessions, so files can run side by side.
  workers: 2,
  fullyParallel: false,
  forbidOnly: CI,
  retries: CI ? 1 : 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: `playwright-report${runSuffix()}` }]],
  // Separate folders per build (NEXT_DIST_DIR) let test runs against different builds go side by side.
  outputDir: `test-results/playwright${runSuffix()}`,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    // Set in workers (inherited from global setup); e2e/fixtures.ts also provides it.
    baseURL: process.env[BASE_URL_ENV],
    trace: 'on-first-retry',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: { executablePath: chromium.executablePath, args: CHROMIUM_ARGS },
      },
    },
  ],
});
