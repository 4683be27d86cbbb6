'use client';

import { useEffect, useEffectEvent } from 'react';

/** Shift+<key> → action. Keys are lower-case letters. */
export type ShortcutMap = Record<string, () => void>;

/** True when a key press is someone typing, which must never trigger a fault. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * Page-wide Shift+letter shortcuts, for an instructor demonstrating faults
 * without hunting for buttons. The listener is bound once; each key press
 * sees the latest `shortcuts` (and the state they close over).
 */
export function useShiftShortcuts(shortcuts: ShortcutMap): void {
  const onKeyDown = useEffectEvent((e: KeyboardEvent) => {
    if (!e.shiftKey || e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e.target)) return;
    const action = shortcuts[e.key.toLowerCase()];
    if (!action) return;
    e.preventDefault();
    action();
  });

  useEffect(() => {
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
