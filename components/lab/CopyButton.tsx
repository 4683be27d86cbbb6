'use client';

import copy from 'copy-to-clipboard';
import { useEffect, useRef, useState } from 'react';
import styles from './CopyButton.module.css';

type CopyState = 'idle' | 'copied' | 'failed';

/**
 * Copies `text` to the clipboard. The Clipboard API exists only in a secure
 * context (https or localhost), and a class server opened by its LAN address
 * is plain http: copy-to-clipboard falls back to the older selection-based
 * copy there. If even that fails, we say so and the student selects the text
 * by hand.
 */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<CopyState>('idle');
  const resetTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(resetTimer.current), []);

  const onClick = async () => {
    setState((await copy(text)) ? 'copied' : 'failed');
    clearTimeout(resetTimer.current);
    resetTimer.current = setTimeout(() => setState('idle'), 1500);
  };

  return (
    <button type="button" className={styles.copy} data-state={state} onClick={onClick} aria-live="polite">
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select & copy' : label}
    </button>
  );
}
