/**
 * The timeline's text size (the toolbar's A A A control), for reading the
 * panel on a projector without zooming the whole page (which stacks the
 * columns below 900 px). One scale for every font size in the panel
 * (`--tl-scale` in timeline.module.css) and one row height for the list, so
 * the CSS and the virtualized list agree on where each row is.
 */

export const TEXT_SIZES = ['normal', 'large', 'larger'] as const;
export type TextSize = (typeof TEXT_SIZES)[number];

export const DEFAULT_TEXT_SIZE: TextSize = 'normal';

/** Multiplies every font size in the panel. */
export const TEXT_SCALE: Record<TextSize, number> = { normal: 1, large: 1.35, larger: 1.7 };

/** Names for people (the radios' accessible names and titles). */
export const TEXT_SIZE_LABEL: Record<TextSize, string> = { normal: 'Normal', large: 'Large', larger: 'Larger' };

/** A list row at the normal size: one line of 11 px monospace text. */
const NORMAL_ROW_HEIGHT = 22;

/**
 * A row's height in whole pixels (22, 30, 37): the list places row N at N × this,
 * so it must be exactly what the CSS gives a row (`--tl-row-height`, set from here).
 */
export function rowHeightFor(size: TextSize): number {
  return Math.round(NORMAL_ROW_HEIGHT * TEXT_SCALE[size]);
}

/** Remembered per browser, shared by every lesson page and tab. */
export const TEXT_SIZE_STORAGE_KEY = 'lab:timeline-text-size';

export function isTextSize(value: unknown): value is TextSize {
  return (TEXT_SIZES as readonly unknown[]).includes(value);
}

/** A stored value back to a size: anything unknown (old, hand-edited, missing) is the normal size. */
export function parseTextSize(value: unknown): TextSize {
  return isTextSize(value) ? value : DEFAULT_TEXT_SIZE;
}

/** The remembered size; normal when storage is unavailable (blocked, private mode) or holds something else. */
export function readTextSize(storage: Pick<Storage, 'getItem'> | undefined): TextSize {
  try {
    return parseTextSize(storage?.getItem(TEXT_SIZE_STORAGE_KEY));
  } catch {
    return DEFAULT_TEXT_SIZE;
  }
}

/** Remembers the size if storage lets it (full or blocked storage just means it is not remembered). */
export function writeTextSize(storage: Pick<Storage, 'setItem'> | undefined, size: TextSize): void {
  try {
    storage?.setItem(TEXT_SIZE_STORAGE_KEY, size);
  } catch {
    // Not remembered; the panel still shows the size chosen.
  }
}
