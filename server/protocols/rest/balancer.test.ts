import { describe, expect, it } from 'vitest';
import { RoundRobin } from './balancer';

describe('RoundRobin', () => {
  it('alternates A, B, A, B for a session', () => {
    const lb = new RoundRobin();
    expect(Array.from({ length: 4 }, () => lb.pick('s1'))).toEqual(['A', 'B', 'A', 'B']);
  });

  it('keeps a rotation per session', () => {
    const lb = new RoundRobin();
    expect(lb.pick('s1')).toBe('A');
    expect(lb.pick('s2')).toBe('A');
    expect(lb.pick('s1')).toBe('B');
  });

  it('routes around a stopped instance, for that session only', () => {
    const lb = new RoundRobin();
    lb.setRunning('s1', 'A', false);
    expect(Array.from({ length: 3 }, () => lb.pick('s1'))).toEqual(['B', 'B', 'B']);
    expect(lb.pick('s2')).toBe('A');
    expect(lb.status('s1')).toEqual([
      { name: 'A', running: false },
      { name: 'B', running: true },
    ]);
    lb.setRunning('s1', 'A', true);
    expect(new Set([lb.pick('s1'), lb.pick('s1')])).toEqual(new Set(['A', 'B']));
  });

  it('has nothing to offer when every instance is stopped', () => {
    const lb = new RoundRobin();
    lb.setRunning('s1', 'A', false);
    lb.setRunning('s1', 'B', false);
    expect(lb.pick('s1')).toBeUndefined();
  });
});
