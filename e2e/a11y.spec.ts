/**
 * Accessibility: every lesson page and the index, scanned with axe-core in
 * Chromium once the page's widgets and timeline are live, against the WCAG 2.1
 * A and AA rules, in the light and the dark colour scheme.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { lessonWidgets } from '../lessons';
import { expect, test } from './fixtures';

const WCAG_A_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** axe's findings, each with the first few elements it names and why, so a failure says what to fix. */
async function violations(page: Page) {
  const { violations: found } = await new AxeBuilder({ page }).withTags(WCAG_A_AA).analyze();
  return found.map((v) => ({
    rule: v.id,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`),
  }));
}

for (const colorScheme of ['light', 'dark'] as const) {
  for (const slug of Object.keys(lessonWidgets)) {
    test(`the ${slug} lesson meets WCAG 2.1 A/AA (${colorScheme})`, async ({ lab }) => {
      const [{ page }] = await lab.openLesson(slug);
      await page.emulateMedia({ colorScheme });
      expect(await violations(page)).toEqual([]);
    });
  }

  test(`the lesson index meets WCAG 2.1 A/AA (${colorScheme})`, async ({ page, lab }) => {
    await page.emulateMedia({ colorScheme });
    await page.goto(`${lab.baseURL}/`);
    expect(await violations(page)).toEqual([]);
  });
}
