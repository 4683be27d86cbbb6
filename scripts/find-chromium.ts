/**
 * Finds a Chromium for the end-to-end tests. Never downloads one.
 *
 * Order: $CHROMIUM_PATH, then a browser Playwright itself installed (if one
 * is on disk), then Debian's /usr/bin/chromium.
 *
 * `tsx scripts/find-chromium.ts --check` prints which one it found, or the
 * exact way to get one and exits 1 (`npm run test:e2e` runs this first).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

export const CHROMIUM_ENV = 'CHROMIUM_PATH';
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for headless Chromium on a locked-down machine: no sandbox (CI runs as
 * root), no GPU, and none of the background traffic to Google's services that
 * a closed network refuses.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface FoundChromium {
  executablePath: string;
  source: string;
}

export const HOW_TO_GET_CHROMIUM = [
  'No Chromium found for the end-to-end tests. Looked for:',
  `  1. $${CHROMIUM_ENV} (not set, or not an executable file)`,
  "  2. a browser installed by Playwright (none on disk; this project never downloads one: 'npx playwright install' is not used)",
  `  3. ${SYSTEM_CHROMIUM}`,
  'Get one with either of:',
  '  apt-get update && apt-get install -y chromium      (Debian/Ubuntu, as root)',
  `  export ${CHROMIUM_ENV}=/path/to/chromium-or-chrome  (any Chromium or Chrome you already have)`,
].join('\n');

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Where Playwright would look for its own Chromium, if it knows (it may not be installed). */
function playwrightChromium(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    return undefined;
  }
}

/** Where to look besides $CHROMIUM_PATH; injectable for tests. */
export interface ChromiumCandidates {
  playwright: () => string | undefined;
  system: string;
}

const DEFAULT_CANDIDATES: ChromiumCandidates = { playwright: playwrightChromium, system: SYSTEM_CHROMIUM };

export function findChromium(
  env: Record<string, string | undefined> = process.env,
  candidates: ChromiumCandidates = DEFAULT_CANDIDATES,
): FoundChromium | undefined {
  const explicit = env[CHROMIUM_ENV];
  if (explicit) {
    // An explicit choice that doesn't exist is a mistake to report, not a reason to quietly use another browser.
    if (!isExecutableFile(explicit)) {
      throw new Error(`${CHROMIUM_ENV}=${explicit} is not an executable file. Fix or unset it.\n\n${HOW_TO_GET_CHROMIUM}`);
    }
    return { executablePath: explicit, source: `$${CHROMIUM_ENV}` };
  }
  const bundled = candidates.playwright();
  if (bundled && isExecutableFile(bundled)) return { executablePath: bundled, source: "Playwright's installed browsers" };
  if (isExecutableFile(candidates.system)) return { executablePath: candidates.system, source: 'the system package' };
  return undefined;
}

/** findChromium(), or an Error whose message says exactly how to get one. */
export function requireChromium(
  env: Record<string, string | undefined> = process.env,
  candidates: ChromiumCandidates = DEFAULT_CANDIDATES,
): FoundChromium {
  const found = findChromium(env, candidates);
  if (!found) throw new Error(HOW_TO_GET_CHROMIUM);
  return found;
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  try {
    const found = requireChromium();
    if (process.argv.includes('--check')) {
      console.log(`[e2e] Chromium: ${found.executablePath} (from ${found.source})`);
    } else {
      console.log(found.executablePath);
    }
  } catch (error: unknown) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
