/**
 * The timeline's filter chips stay in sight: at any panel width every chip of
 * every group sits inside the panel, wrapping onto more lines when needed,
 * never hidden past the right edge.
 */
import { expect, test } from './fixtures';

for (const viewport of [
  { width: 1280, height: 720 },
  { width: 1024, height: 768 },
  { width: 390, height: 844 },
]) {
  test(`filter chips wrap inside the timeline panel at ${viewport.width}×${viewport.height}`, async ({ lab }) => {
    const [{ page }] = await lab.openLesson('how-this-lab-works');
    await page.setViewportSize(viewport);
    const groups = page.getByRole('group', { name: /^Filter by / });
    await expect(groups).toHaveCount(3);
    // The last kind is the one the review found cut off at the right edge.
    await expect(page.getByTestId('filter-kind-resolve')).toBeVisible();

    const outside = await page.evaluate(() => {
      const panel = document.querySelector('aside[aria-label="Timeline"]');
      if (!panel) return ['no timeline panel'];
      const edge = panel.getBoundingClientRect();
      const problems = new Set<string>();
      for (const chip of document.querySelectorAll<HTMLElement>('[data-testid^="filter-"][aria-pressed]')) {
        const r = chip.getBoundingClientRect();
        if (r.left < edge.left || r.right > edge.right + 0.5) {
          problems.add(
            `${chip.dataset.testid} at x=${Math.round(r.left)}–${Math.round(r.right)}, panel x=${Math.round(edge.left)}–${Math.round(edge.right)}`,
          );
        }
        // Inside the panel but scrolled out of its row's box counts as hidden too.
        const row = chip.parentElement;
        if (row && row.scrollWidth > row.clientWidth + 1)
          problems.add(`the row of ${row.firstElementChild?.textContent} scrolls sideways`);
      }
      return [...problems];
    });
    expect(outside).toEqual([]);
  });
}
