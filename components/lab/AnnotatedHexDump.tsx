'use client';

import { useState } from 'react';
import styles from './AnnotatedHexDump.module.css';
import { type ByteSpan, hexByte, spanIndexByByte } from './byte-annotations';
import { CodeBlock } from './Scrollable';

const BYTES_PER_LINE = 16;
/** Bytes a legend row shows before "…": enough to recognise a span, short enough to leave room for its meaning. */
const LEGEND_BYTES = 4;

/**
 * A hex dump whose bytes say what they are: each byte is coloured by the
 * innermost span covering it, hovering a byte or a legend row highlights the
 * whole span and its meaning. The spans come from any annotator (protobuf,
 * MQTT, WebSocket frames); this component knows nothing about protocols.
 */
export function AnnotatedHexDump({
  bytes,
  spans,
  testId = 'annotated-hexdump',
}: {
  bytes: Uint8Array;
  spans: readonly ByteSpan[];
  testId?: string;
}) {
  const [active, setActive] = useState<number | undefined>(undefined);
  const owner = spanIndexByByte(bytes.length, spans);
  const lines: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += BYTES_PER_LINE) lines.push(offset);

  return (
    <div className={styles.dump} data-testid={testId} data-bytes={bytes.length}>
      <p className={styles.muted}>
        {bytes.length} byte{bytes.length === 1 ? '' : 's'} — hover a byte or a row below to see what it means.
      </p>
      <CodeBlock className={styles.grid} onMouseLeave={() => setActive(undefined)}>
        {lines.map((offset) => (
          <div key={offset}>
            <span className={styles.offset}>{offset.toString(16).padStart(4, '0')}</span>
            {Array.from(bytes.subarray(offset, offset + BYTES_PER_LINE), (byte, i) => {
              const index = owner[offset + i];
              const span = index === undefined ? undefined : spans[index];
              const activeSpan = active === undefined ? undefined : spans[active];
              const lit = activeSpan && offset + i >= activeSpan.start && offset + i < activeSpan.end;
              return (
                // biome-ignore lint/a11y/noStaticElementInteractions: hover only highlights; the legend below says the same in text
                <span
                  // biome-ignore lint/suspicious/noArrayIndexKey: byte positions of a fixed dump never move
                  key={offset + i}
                  className={`${styles.byte} ${span ? styles[span.role] : ''} ${lit ? styles.active : ''}`}
                  title={span?.label}
                  onMouseEnter={() => setActive(index)}
                  data-role={span?.role}
                >
                  {hexByte(byte)}
                </span>
              );
            })}
          </div>
        ))}
      </CodeBlock>
      <ol className={styles.legend} data-testid={`${testId}-legend`}>
        {spans.map((span, i) => (
          <li
            key={`${span.start}-${span.end}-${span.depth}-${span.role}`}
            className={active === i ? styles.activeRow : undefined}
            onMouseEnter={() => setActive(i)}
            onMouseLeave={() => setActive(undefined)}
            data-testid="hex-span"
            data-role={span.role}
            data-path={span.path}
            data-field={span.facts?.field}
            data-wire-type={span.facts?.wireType}
          >
            <span className={styles.legendHex}>
              {span.start}–{span.end - 1}
            </span>
            <span className={styles.legendHex} style={{ paddingLeft: `${span.depth}ch` }}>
              {Array.from(bytes.subarray(span.start, Math.min(span.end, span.start + LEGEND_BYTES)), hexByte).join(' ')}
              {span.end - span.start > LEGEND_BYTES ? ' …' : ''}
            </span>
            <span style={{ paddingLeft: `${span.depth * 2}ch` }}>{span.label}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
