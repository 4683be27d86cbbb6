import { describe, expect, it } from 'vitest';
import { directionArrow, formatBytes, formatRelative, padColumn } from './format';

describe('format', () => {
  it('shows time since the first event in ms, s or min:s', () => {
    expect(formatRelative(1012.34, 1000)).toBe('+12.3 ms');
    expect(formatRelative(5567, 1000)).toBe('+4.567 s');
    expect(formatRelative(124_456, 1000)).toBe('+2:03.456');
    expect(formatRelative(995, 1000)).toBe('−5.0 ms');
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
