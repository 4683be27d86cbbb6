import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium, HOW_TO_GET_CHROMIUM, requireChromium } from '../../scripts/find-chromium';

let dir: string;
let fakeChromium: string;
let notExecutable: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'find-chromium-'));
  fakeChromium = path.join(dir, 'chromium');
  fs.writeFileSync(fakeChromium, '#!/bin/sh\n', { mode: 0o755 });
  notExecutable = path.join(dir, 'chrome.txt');
  fs.writeFileSync(notExecutable, 'not a program', { mode: 0o644 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const nowhere = { playwright: () => undefined, system: '/nonexistent/chromium' };

describe('findChromium', () => {
  it('prefers $CHROMIUM_PATH over everything else', () => {
    const found = findChromium({ CHROMIUM_PATH: fakeChromium }, { playwright: () => '/other', system: '/usr/bin/env' });
    expect(found).toEqual({ executablePath: fakeChromium, source: '$CHROMIUM_PATH' });
  });

  it('refuses a $CHROMIUM_PATH that is not an executable file instead of silently using another browser', () => {
    expect(() => findChromium({ CHROMIUM_PATH: notExecutable }, { ...nowhere, system: fakeChromium })).toThrow(
      `CHROMIUM_PATH=${notExecutable} is not an executable file`,
    );
    expect(() => findChromium({ CHROMIUM_PATH: dir }, nowhere)).toThrow(/not an executable file/);
  });

  it("uses Playwright's own browser when one is on disk", () => {
    const found = findChromium({}, { playwright: () => fakeChromium, system: '/nonexistent' });
    expect(found?.source).toBe("Playwright's installed browsers");
  });

  it("skips Playwright's browser when it is only a path that does not exist (never downloads)", () => {
    const found = findChromium({}, { playwright: () => '/root/.cache/ms-playwright/nothing/chrome', system: fakeChromium });
    expect(found).toEqual({ executablePath: fakeChromium, source: 'the system package' });
  });

  it('finds nothing when nothing is there, and requireChromium says how to get one', () => {
    expect(findChromium({}, nowhere)).toBeUndefined();
    expect(() => requireChromium({}, nowhere)).toThrow(HOW_TO_GET_CHROMIUM);
    expect(HOW_TO_GET_CHROMIUM).toContain('apt-get install -y chromium');
    expect(HOW_TO_GET_CHROMIUM).toContain('CHROMIUM_PATH=');
  });

  it('launches with the flags a closed network and a root user need', () => {
    expect(CHROMIUM_ARGS).toEqual(
      expect.arrayContaining(['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run']),
    );
  });
});
