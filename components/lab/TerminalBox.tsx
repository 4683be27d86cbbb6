'use client';

import { CopyButton } from './CopyButton';
import { useTimeline } from './LabProvider';
import { type CommandPart, fillPlaceholders, partsToText, placeholderValues } from './placeholders';
import styles from './TerminalBox.module.css';
import { useLabInfo } from './useLabInfo';

/**
 * Shell commands the student can run against their own session.
 * `commands` is one command per line; lines starting with `#` are comments.
 * Placeholders such as `{{session}}` are filled in (see placeholders.ts).
 */
export function TerminalBox({ commands, title = 'Terminal' }: { commands: string; title?: string }) {
  const sessionId = useTimeline((s) => s.sessionId);
  const values = placeholderValues(useLabInfo(), sessionId);
  const lines = commands
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

  return (
    <figure className={styles.terminal} data-testid="terminal-box">
      <figcaption className={styles.caption}>
        <span className={styles.dots} aria-hidden="true" />
        {title}
      </figcaption>
      <ul className={styles.lines}>
        {lines.map((line, i) =>
          line.startsWith('#') ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: lines are static text; the index is stable
            <li key={i} className={styles.comment}>
              {line}
            </li>
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: lines are static text; the index is stable
            <CommandLine key={i} parts={fillPlaceholders(line, values)} />
          ),
        )}
      </ul>
    </figure>
  );
}

function CommandLine({ parts }: { parts: CommandPart[] }) {
  return (
    <li className={styles.command} data-command={partsToText(parts)}>
      <code>
        <span className={styles.prompt} aria-hidden="true">
          ${' '}
        </span>
        {parts.map((part, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one fixed line, never reordered
          <CommandPartView key={i} part={part} />
        ))}
      </code>
      <CopyButton text={partsToText(parts)} />
    </li>
  );
}

function CommandPartView({ part }: { part: CommandPart }) {
  switch (part.kind) {
    case 'text':
      return part.text;
    case 'value':
      return (
        <span className={styles.value} title={`{{${part.name}}}`}>
          {part.text}
        </span>
      );
    case 'missing':
      return (
        <span className={styles.missing} title="Not known yet">
          {part.text}
        </span>
      );
  }
}
