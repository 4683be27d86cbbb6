/**
 * Every lesson on a phone (390×844) and a small laptop (1024×768): the page
 * never scrolls sideways, and no widget cuts its content off. Something wider
 * than its column (a table, a code line) may only scroll inside its own box.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { ROOT } from './lab-server';

/** Every lesson folder, so a new lesson is checked without touching this file. */
const SLUGS = fs
  .readdirSync(path.join(ROOT, 'lessons'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(ROOT, 'lessons', entry.name, 'lesson.mdx')))
  .map((entry) => entry.name)
  .sort();

const VIEWPORTS = [
  { width: 390, height: 844 },
  // The narrowest side-by-side layout: a 1440 px projector at 150% zoom.
  { width: 960, height: 600 },
  { width: 1024, height: 768 },
] as const;

/** Lets the page lay itself out again after a resize (ResizeObservers run before the next frame). */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
}

interface LayoutReport {
  /** Boxes that are wider than they show and cannot be scrolled: the page, the lesson column, the lesson. */
  sideways: string[];
  /** Content sticking out of a widget frame, not inside anything that scrolls. */
  clipped: string[];
  /** Widgets whose whole body scrolls sideways (allowed, but worth knowing). */
  bodyScrolls: string[];
}

/** Measures the page as laid out now (runs in the browser). */
function measure(): LayoutReport {
  const scrollsSideways = (el: Element) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const nameOf = (el: Element) => {
    const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `<${el.tagName.toLowerCase()}>${text ? ` "${text}"` : ''}`;
  };
  const sideways: string[] = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth)
    sideways.push(`the page is ${root.scrollWidth} px wide in a ${root.clientWidth} px window`);
  // On wide screens the lesson column scrolls by itself, so the page alone would not show it.
  for (const [name, el] of [
    ['the lesson column', document.querySelector('main')],
    ['the lesson', document.querySelector('[data-testid="lesson"]')],
  ] as const) {
    if (el && el.scrollWidth > el.clientWidth + 1) sideways.push(`${name} holds ${el.scrollWidth} px in ${el.clientWidth} px`);
  }

  const clipped: string[] = [];
  const bodyScrolls: string[] = [];
  // A widget frame (components/lab/WidgetFrame.tsx): a section with a title bar and a body.
  const frames = document.querySelectorAll<HTMLElement>('[data-testid="lesson"] section[data-testid]:has(> header + div)');
  for (const frame of frames) {
    const name = frame.dataset.testid;
    const box = frame.getBoundingClientRect();
    const body = frame.querySelector(':scope > header + div');
    if (body && body.scrollWidth > body.clientWidth + 1)
      bodyScrolls.push(`${name} (${body.scrollWidth} px in ${body.clientWidth} px)`);
    if (frame.scrollWidth > frame.clientWidth + 1)
      clipped.push(`${name}: ${frame.scrollWidth} px of content in ${frame.clientWidth} px`);
    for (const el of frame.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.left >= box.left - 1 && r.right <= box.right + 1) continue;
      let inScrollBox = false;
      for (let a = el.parentElement; a && a !== frame; a = a.parentElement) {
        if (scrollsSideways(a)) {
          inScrollBox = true;
          break;
        }
      }
      if (!inScrollBox) {
        clipped.push(
          `${name}: ${nameOf(el)} spans x=${Math.round(r.left)}–${Math.round(r.right)}, the frame x=${Math.round(box.left)}–${Math.round(box.right)}`,
        );
      }
    }
  }
  return { sideways, clipped, bodyScrolls };
}

for (const slug of SLUGS) {
  test(`${slug}: no sideways page scroll and no clipped widget at ${VIEWPORTS.map((v) => `${v.width}×${v.height}`).join(' and ')}; no page scroll at 1440×900`, async ({
    lab,
  }) => {
    const [{ page }] = await lab.openLesson(slug);
    await expect(page.getByTestId('lesson')).toBeVisible();
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport);
      await settle(page);
      const report = await page.evaluate(measure);
      const size = `${viewport.width}×${viewport.height}`;
      if (report.bodyScrolls.length > 0) {
        test
          .info()
          .annotations.push({ type: 'widget body scrolls sideways', description: `${size}: ${report.bodyScrolls.join('; ')}` });
      }
      expect(report.sideways, `${slug} at ${size}: scrolls sideways`).toEqual([]);
      expect(report.clipped, `${slug} at ${size}: widget content cut off`).toEqual([]);
    }
    // On a wide screen each column scrolls by itself and the page itself never does: if it did, the
    // header and the fault bar would scroll away with it.
    await page.setViewportSize({ width: 1440, height: 900 });
    await settle(page);
    const whole = await page.evaluate(() => ({
      height: document.documentElement.scrollHeight,
      window: document.documentElement.clientHeight,
    }));
    expect(whole.height, `${slug} at 1440×900: the page itself scrolls`).toBeLessThanOrEqual(whole.window);
  });
}

test('the lesson list is read from lessons/', () => {
  // A wrong folder would leave the loop above with nothing to check, and nothing would fail.
  expect(SLUGS).toEqual(expect.arrayContaining(['how-this-lab-works', 'polling', 'mqtt', 'websocket', 'webhooks']));
});
