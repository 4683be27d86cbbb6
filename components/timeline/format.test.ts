import { describe, expect, it } from 'vitest';
import { TIME_COLUMN } from './EventRow';
import { directionArrow, formatBytes, formatClock, formatRelative, formatTime, padColumn, plural } from './format';

describe('format', () => {
  it('shows time since the first event in ms, s or min:s', () => {
    expect(formatRelative(1012.34, 1000)).toBe('+12.3 ms');
    expect(formatRelative(5567, 1000)).toBe('+4.567 s');
    expect(formatRelative(124_456, 1000)).toBe('+2:03.456');
    expect(formatRelative(995, 1000)).toBe('−5.0 ms');
  });

  it('shows clock time to the millisecond, and the time column fits it whole', () => {
    const at = new Date(2026, 2, 1, 12, 18, 2, 345).getTime();
    expect(formatClock(at)).toBe('12:18:02.345');
    expect(padColumn(formatTime(at, null, 'clock'), TIME_COLUMN.clock, 'right')).toBe('12:18:02.345');
    expect(padColumn(formatTime(at + 123_456, at, 'relative'), TIME_COLUMN.relative, 'right')).toBe(' +2:03.456');
  });

  it('counts in words', () => {
    expect(plural(1, 'event')).toBe('1 event');
    expect(plural(0, 'event')).toBe('0 events');
    expect(plural(6, 'event')).toBe('6 events');
  });

  it('shows sizes in SI units', () => {
    expect(formatBytes(undefined)).toBe('');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(2_250_000)).toBe('2.25 MB');
  });

  it('fits text to a column width, padding or cutting it', () => {
    expect(padColumn('db', 5)).toBe('db   ');
    expect(padColumn('12 B', 6, 'right')).toBe('  12 B');
    expect(padColumn('reconnect-attempt', 10)).toBe('reconnect…');
  });

  it('points the arrow away from the origin for what it sent', () => {
    expect(directionArrow('out')).toBe('→');
    expect(directionArrow('in')).toBe('←');
    expect(directionArrow(undefined)).toBe('');
  });
});
