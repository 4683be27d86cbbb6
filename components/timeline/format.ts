import type { Direction } from '../../lib/timeline';

/** How rows show time: milliseconds since the first event, or the wall clock. */
export type TimeMode = 'relative' | 'clock';

/** `+12.3 ms`, `+4.567 s`, `+2:03.456` since `origin`. */
export function formatRelative(at: number, origin: number): string {
  const ms = at - origin;
  const sign = ms < 0 ? '−' : '+';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${abs.toFixed(1)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(3)} s`;
  const minutes = Math.floor(abs / 60_000);
  const seconds = ((abs % 60_000) / 1000).toFixed(3).padStart(6, '0');
  return `${sign}${minutes}:${seconds}`;
}

/** `14:03:22.123` in local time. */
export function formatClock(at: number): string {
  const date = new Date(at);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

export function formatTime(at: number, origin: number | null, mode: TimeMode): string {
  return mode === 'clock' || origin === null ? formatClock(at) : formatRelative(at, origin);
}

/** `1 event`, `3 events`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `512 B`, `1.5 kB`, `2.25 MB` (SI units, like the browser's network panel). */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(2)} MB`;
}

/**
 * `text` as exactly `width` characters: padded, or cut with an ellipsis.
 * Rows are one line of monospace text, so fixed-width fields line up as
 * columns without a layout box per cell.
 */
export function padColumn(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (text.length > width) return `${text.slice(0, width - 1)}…`;
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

/** → the origin sent it, ← the origin received it. */
export function directionArrow(dir: Direction | undefined): string {
  if (dir === 'out') return '→';
  if (dir === 'in') return '←';
  return '';
}
