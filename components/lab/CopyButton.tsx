'use client';

import { useEffect, useRef, useState } from 'react';
import styles from './CopyButton.module.css';

type CopyState = 'idle' | 'copied' | 'failed';

/**
 * Copies `text` to the clipboard. The Clipboard API needs a secure context
 * (https or localhost), so when the lab is opened by LAN address it can fail:
 * then we say so and the student selects the text by hand.
 */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<CopyState>('idle');
  const resetTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(resetTimer.current), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    clearTimeout(resetTimer.current);
    resetTimer.current = setTimeout(() => setState('idle'), 1500);
  };

  return (
    <button type="button" className={styles.copy} data-state={state} onClick={copy} aria-live="polite">
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select & copy' : label}
    </button>
  );
}
