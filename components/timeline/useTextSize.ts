import { useCallback, useLayoutEffect, useState } from 'react';
import { DEFAULT_TEXT_SIZE, readTextSize, TEXT_SIZE_STORAGE_KEY, type TextSize, writeTextSize } from './text-size';

/** `window.localStorage`, or undefined where reading the property itself throws (storage blocked). */
function localStorageOrUndefined(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/**
 * The timeline's text size, remembered in localStorage. The server renders
 * the normal size and so does the first client render (no hydration
 * mismatch); the remembered size is read right after mount, before the
 * browser paints, so a larger size doesn't flash in at the normal one.
 * Other tabs follow a change (the `storage` event fires in them, not here).
 */
export function useTextSize(): [TextSize, (size: TextSize) => void] {
  const [size, setSize] = useState<TextSize>(DEFAULT_TEXT_SIZE);

  useLayoutEffect(() => {
    setSize(readTextSize(localStorageOrUndefined()));
    const onStorage = (event: StorageEvent) => {
      // key null: another tab cleared the storage.
      if (event.key === TEXT_SIZE_STORAGE_KEY || event.key === null) setSize(readTextSize(localStorageOrUndefined()));
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const choose = useCallback((next: TextSize) => {
    setSize(next);
    writeTextSize(localStorageOrUndefined(), next);
  }, []);

  return [size, choose];
}
