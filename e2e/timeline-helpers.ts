/** Helpers for the timeline panel's specs. */
import type { Page } from '@playwright/test';

/** The newest event, the list's last row, and whether that row is inside the list's visible box. */
export function tail(page: Page) {
  return page.evaluate(() => {
    const list = document.querySelector<HTMLElement>('[data-testid="timeline-list"]');
    const rows = list?.querySelectorAll<HTMLElement>('[data-testid="timeline-row"]') ?? [];
    const last = rows[rows.length - 1];
    const listBox = list?.getBoundingClientRect();
    const rowBox = last?.getBoundingClientRect();
    return {
      lastRow: last?.dataset.eventId ?? null,
      newest: window.__lab?.events().at(-1)?.id ?? null,
      inView:
        listBox !== undefined && rowBox !== undefined && rowBox.top >= listBox.top - 1 && rowBox.bottom <= listBox.bottom + 1,
    };
  });
}
