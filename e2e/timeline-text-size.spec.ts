/**
 * The timeline's text size (toolbar, "Timeline text size": normal, large,
 * larger), for reading the panel on a projector without zooming the page.
 * The whole panel's text grows and the list's rows grow with it, so the
 * virtualized list still places rows edge to edge, follows the newest one
 * and scrolls the keyboard's row into view; the browser remembers the choice.
 */
import type { Locator, Page } from '@playwright/test';
import {
  rowHeightFor,
  TEXT_SCALE,
  TEXT_SIZE_LABEL,
  TEXT_SIZE_STORAGE_KEY,
  type TextSize,
} from '../components/timeline/text-size';
import type { TimelineEvent } from '../lib/timeline';
import { expect, type LabHelpers, test } from './fixtures';
import { tail } from './timeline-helpers';

const SLUG = 'how-this-lab-works';
const ACCOUNT_URL = '/api/intro/accounts/123';
/** A 1440 px projector (the panel is 44 % of it). */
const PROJECTOR = { width: 1440, height: 900 };

const isAccountResponse = (e: TimelineEvent) => e.origin === 'server' && e.kind === 'response' && e.detail?.url === ACCOUNT_URL;

/** Makes `n` requests at once from a terminal-like client in the page's session, and waits until the page has them all. */
async function burst(lab: LabHelpers, page: Page, n: number): Promise<void> {
  const api = await lab.api(page);
  const before = (await lab.events(page)).filter(isAccountResponse).length;
  const statuses = await Promise.all(Array.from({ length: n }, async () => (await api.get(ACCOUNT_URL)).status()));
  expect(statuses, 'every request succeeded').toEqual(Array(n).fill(200));
  await expect
    .poll(async () => (await lab.events(page)).filter(isAccountResponse).length, { timeout: 15_000 })
    .toBeGreaterThanOrEqual(before + n);
}

/** The size's radio, found the way assistive technology finds it: "Normal", "Large" or "Larger" in "Timeline text size". */
function sizeRadio(page: Page, size: TextSize): Locator {
  return page
    .getByRole('radiogroup', { name: 'Timeline text size' })
    .getByRole('radio', { name: TEXT_SIZE_LABEL[size], exact: true });
}

async function chooseSize(page: Page, size: TextSize): Promise<void> {
  // The visible "A" (a label holding the radio), as a mouse user would.
  await page.getByTestId(`timeline-text-size-${size}`).click();
  await expect(sizeRadio(page, size)).toBeChecked();
  await expect(page.getByTestId('timeline-panel')).toHaveAttribute('data-text-size', size);
}

/** Computed font sizes (px) of a row, the list header, a toolbar button, the search box and a filter chip. */
function fontSizes(page: Page) {
  return page.getByTestId('timeline-panel').evaluate((panel) => {
    const size = (el: Element | null | undefined) => (el ? Number.parseFloat(getComputedStyle(el).fontSize) : Number.NaN);
    const list = panel.querySelector('[data-testid="timeline-list"]');
    return {
      row: size(list?.querySelector('[data-testid="timeline-row"]')),
      header: size(list?.previousElementSibling),
      button: size(panel.querySelector('[data-testid="timeline-clear"]')),
      search: size(panel.querySelector('[data-testid="timeline-search"]')),
      chip: size(panel.querySelector('[data-testid="filter-origin-browser"]')),
    };
  });
}

/**
 * What is wrong with the rendered rows (empty when nothing is): each row exactly `rowHeight` tall with its
 * text unclipped, each row starting where the previous one ends (no overlap, no gap), and together
 * covering the list's visible box (a virtualizer working from the wrong row height leaves part of it blank).
 */
function rowProblems(list: Locator, rowHeight: number): Promise<string[]> {
  return list.evaluate((el, rowHeight) => {
    const rows = [...el.querySelectorAll<HTMLElement>('[data-testid="timeline-row"]')];
    if (rows.length === 0) return ['no rows'];
    const problems: string[] = [];
    const boxes = rows.map((row) => row.getBoundingClientRect());
    boxes.forEach((box, i) => {
      if (Math.abs(box.height - rowHeight) > 0.5) problems.push(`row ${i} is ${box.height} px tall, not ${rowHeight}`);
      const row = rows[i];
      if (row && row.scrollHeight > row.clientHeight + 1)
        problems.push(`row ${i} clips its text (${row.scrollHeight} in ${row.clientHeight} px)`);
      const next = boxes[i + 1];
      if (next && Math.abs(next.top - box.bottom) > 0.5)
        problems.push(
          `rows ${i} and ${i + 1} ${next.top < box.bottom ? 'overlap' : 'have a gap'} of ${Math.abs(next.top - box.bottom)} px`,
        );
    });
    const top = el.getBoundingClientRect().top + el.clientTop;
    const bottom = top + el.clientHeight;
    const content = el.scrollHeight;
    const first = boxes[0];
    const last = boxes[boxes.length - 1];
    if (first && first.top > top + 0.5) problems.push(`${first.top - top} px blank above the first rendered row`);
    if (last && content >= el.clientHeight && last.bottom < bottom - 0.5)
      problems.push(`${bottom - last.bottom} px blank below the last rendered row`);
    return problems;
  }, rowHeight);
}

/** The row the listbox points at (aria-activedescendant), and whether it is inside the list's visible box. */
function activeRow(list: Locator) {
  return list.evaluate((el) => {
    const id = el.getAttribute('aria-activedescendant');
    const row = id ? document.getElementById(id) : null;
    if (row?.getAttribute('role') !== 'option') return { id: null, inView: false };
    const box = row.getBoundingClientRect();
    const top = el.getBoundingClientRect().top + el.clientTop;
    return { id: row.dataset.eventId ?? null, inView: box.top >= top - 1 && box.bottom <= top + el.clientHeight + 1 };
  });
}

/** Whether the selected row is rendered inside the list's visible box. */
function selectedInView(list: Locator) {
  return list.evaluate((el) => {
    const row = el.querySelector<HTMLElement>('[aria-selected="true"]');
    if (!row) return null;
    const box = row.getBoundingClientRect();
    const top = el.getBoundingClientRect().top + el.clientTop;
    return { id: row.dataset.eventId ?? null, inView: box.top >= top - 1 && box.bottom <= top + el.clientHeight + 1 };
  });
}

test('larger text grows the whole panel and its rows, which still follow, scroll and page correctly', async ({ lab }) => {
  test.setTimeout(60_000);
  const [{ page }] = await lab.openLesson(SLUG);
  await page.setViewportSize(PROJECTOR);
  const list = page.getByTestId('timeline-list');
  const normalRow = rowHeightFor('normal');
  const largerRow = rowHeightFor('larger');
  expect(largerRow).toBeGreaterThan(normalRow);

  await burst(lab, page, 5);
  await expect(sizeRadio(page, 'normal')).toBeChecked();
  await expect.poll(() => rowProblems(list, normalRow), { message: 'rows at the normal size' }).toEqual([]);
  const normal = await fontSizes(page);
  expect(normal.row).toBeGreaterThan(0);

  await chooseSize(page, 'larger');
  await expect.poll(() => rowProblems(list, largerRow), { message: 'rows at the larger size' }).toEqual([]);
  const larger = await fontSizes(page);
  // Every part of the panel, not just the rows, by the same factor.
  for (const part of ['row', 'header', 'button', 'search', 'chip'] as const) {
    expect(larger[part], `${part} text grew`).toBeGreaterThan(normal[part]);
    expect(larger[part] / normal[part], `${part} text grew ${TEXT_SCALE.larger}×`).toBeCloseTo(TEXT_SCALE.larger, 1);
  }
  expect(
    await list.evaluate((el) => (el.previousElementSibling as HTMLElement | null)?.getBoundingClientRect().height),
  ).toBeCloseTo(largerRow, 0);

  // Many events at once: the list keeps following, with the newest row in view and rows edge to edge.
  await burst(lab, page, 60);
  expect(await list.evaluate((el) => el.scrollHeight > 5 * el.clientHeight), 'the list has far more rows than fit').toBe(true);
  await expect(page.getByTestId('timeline-follow'), 'still following').toBeHidden();
  await expect
    .poll(
      async () => {
        const { lastRow, newest, inView } = await tail(page);
        return inView && lastRow === newest;
      },
      { message: 'the newest event is in view' },
    )
    .toBe(true);
  await expect.poll(() => rowProblems(list, largerRow), { message: 'rows while following' }).toEqual([]);

  // Scrolled back to the middle: the rows there are rendered (the virtualizer knows the new height).
  await list.evaluate((el) => {
    el.scrollTop = Math.round((el.scrollHeight - el.clientHeight) / 2);
  });
  await expect(page.getByTestId('timeline-follow')).toBeVisible();
  await expect.poll(() => rowProblems(list, largerRow), { message: 'rows in the middle of the list' }).toEqual([]);

  // The keyboard: each key's row is selected and scrolled into view; Page Down moves a page of larger rows.
  const ids = (await lab.events(page)).map((e) => e.id);
  const last = ids.length - 1;
  await list.focus();
  const pressAndExpect = async (key: string, id: string | undefined) => {
    await page.keyboard.press(key);
    await expect.poll(() => activeRow(list), { message: `after ${key}` }).toEqual({ id, inView: true });
  };
  await pressAndExpect('Home', ids[0]);
  const pageRows = await list.evaluate((el, height) => Math.max(1, Math.floor(el.clientHeight / height) - 1), largerRow);
  await pressAndExpect('PageDown', ids[Math.min(last, pageRows)]);
  await pressAndExpect('End', ids[last]);
  await pressAndExpect('ArrowUp', ids[last - 1]);
  await pressAndExpect('Home', ids[0]);
  await pressAndExpect('ArrowDown', ids[1]);
  await pressAndExpect('ArrowDown', ids[2]);
  await expect.poll(() => rowProblems(list, largerRow), { message: 'rows after moving with the keyboard' }).toEqual([]);
  // With the inspector open too, the panel still fits the window: the page itself doesn't scroll.
  expect(
    await page.evaluate(() => document.documentElement.scrollHeight - document.documentElement.clientHeight),
  ).toBeLessThanOrEqual(0);

  // Changing the size while scrolled back keeps the selected row in view, rows edge to edge.
  await chooseSize(page, 'large');
  await expect
    .poll(() => selectedInView(list), { message: 'the selected row at the large size' })
    .toEqual({ id: ids[2], inView: true });
  await expect.poll(() => rowProblems(list, rowHeightFor('large')), { message: 'rows at the large size' }).toEqual([]);
  await chooseSize(page, 'larger');
  await expect
    .poll(() => selectedInView(list), { message: 'the selected row at the larger size again' })
    .toEqual({ id: ids[2], inView: true });
  await expect.poll(() => rowProblems(list, largerRow), { message: 'rows at the larger size again' }).toEqual([]);
});

test('the text size is remembered by the browser: after a reload and on every lesson page', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  const panel = page.getByTestId('timeline-panel');
  const list = page.getByTestId('timeline-list');
  await expect(sizeRadio(page, 'normal')).toBeChecked();
  await expect(panel).toHaveAttribute('data-text-size', 'normal');

  await chooseSize(page, 'larger');
  expect(await page.evaluate((key) => localStorage.getItem(key), TEXT_SIZE_STORAGE_KEY)).toBe('larger');

  await page.reload();
  await lab.waitForChannel(page);
  await expect(panel).toHaveAttribute('data-text-size', 'larger');
  await expect(sizeRadio(page, 'larger')).toBeChecked();
  await burst(lab, page, 3);
  await expect.poll(() => rowProblems(list, rowHeightFor('larger')), { message: 'rows after the reload' }).toEqual([]);

  // The server can't know the size: it renders the normal one, and the page switches after hydrating.
  const html = await (await page.request.get(`/lessons/${SLUG}`)).text();
  expect(html).toContain('data-text-size="normal"');

  await page.goto('/lessons/polling');
  await expect(panel).toHaveAttribute('data-text-size', 'larger');
  await expect(sizeRadio(page, 'larger')).toBeChecked();

  // Something that isn't a size (an old version, a hand edit) is the normal size.
  await page.evaluate((key) => localStorage.setItem(key, 'enormous'), TEXT_SIZE_STORAGE_KEY);
  await page.reload();
  await lab.waitForChannel(page);
  await expect(sizeRadio(page, 'normal')).toBeChecked();
  await expect(panel).toHaveAttribute('data-text-size', 'normal');
});

test('at the larger size the toolbar wraps inside the panel at its narrowest', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await chooseSize(page, 'larger');
  await burst(lab, page, 3);
  // The narrowest side-by-side layout (a 1440 px projector at 150 %), then the stacked one on a phone.
  for (const viewport of [
    { width: 960, height: 600 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(viewport);
    await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
    const problems = await page.getByTestId('timeline-panel').evaluate((panel) => {
      const found: string[] = [];
      const edge = panel.getBoundingClientRect();
      const toolbar = panel.firstElementChild as HTMLElement | null;
      if (!toolbar) return ['no toolbar'];
      if (toolbar.scrollWidth > toolbar.clientWidth + 1)
        found.push(`the toolbar holds ${toolbar.scrollWidth} px in ${toolbar.clientWidth} px`);
      for (const el of toolbar.querySelectorAll<HTMLElement>('*')) {
        const box = el.getBoundingClientRect();
        if (box.width <= 1 || box.height <= 1) continue; // visually hidden inputs
        if (box.left < edge.left - 0.5 || box.right > edge.right + 0.5) {
          const text = (el.textContent ?? '').trim().slice(0, 30);
          found.push(
            `<${el.tagName.toLowerCase()}> "${text}" at x=${Math.round(box.left)}–${Math.round(box.right)}, panel x=${Math.round(edge.left)}–${Math.round(edge.right)}`,
          );
        }
      }
      // The three sizes stay together on one line.
      const tops = [...toolbar.querySelectorAll('[data-testid^="timeline-text-size-"]')].map(
        (el) => el.getBoundingClientRect().top,
      );
      if (tops.length !== 3) found.push(`${tops.length} text size options`);
      else if (Math.max(...tops) - Math.min(...tops) > 1) found.push('the text size options are split across lines');
      const root = document.documentElement;
      if (root.scrollWidth > root.clientWidth)
        found.push(`the page is ${root.scrollWidth} px wide in a ${root.clientWidth} px window`);
      return found;
    });
    expect(problems, `${viewport.width}×${viewport.height}`).toEqual([]);
    for (const size of ['normal', 'large', 'larger'] as const)
      await expect(page.getByTestId(`timeline-text-size-${size}`)).toBeVisible();
  }
});
