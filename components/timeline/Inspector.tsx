import { memo, useMemo } from 'react';
import type { TimelineEvent } from '../../lib/timeline';
import { HexDump } from '../lab/HexDump';
import { useTimeline } from '../lab/LabProvider';
import { CodeBlock } from '../lab/Scrollable';
import { formatBytes, formatClock, formatRelative } from './format';
import styles from './timeline.module.css';

type FieldValue = string | number | boolean | null | undefined;

/** Every scalar fact about an event, in reading order; absent ones are skipped. */
function eventFields(event: TimelineEvent, timeOrigin: number | null): [string, FieldValue][] {
  const d = event.detail ?? {};
  const fields: [string, FieldValue][] = [
    ['time', `${formatClock(event.at)}${timeOrigin === null ? '' : `  (${formatRelative(event.at, timeOrigin)})`}`],
    ['origin', event.origin],
    ['protocol', event.protocol],
    ['kind', event.kind],
    [
      'direction',
      event.dir === 'out' ? `out (sent by ${event.origin})` : event.dir === 'in' ? `in (received by ${event.origin})` : undefined,
    ],
    ['conn', event.conn],
    ['stream', event.stream],
    ['bytes', event.bytes === undefined ? undefined : `${event.bytes} (${formatBytes(event.bytes)})`],
    ['method', d.method],
    ['url', d.url],
    ['status', d.status === undefined ? undefined : `${d.status}${d.statusText ? ` ${d.statusText}` : ''}`],
    ['duration', d.durationMs === undefined ? undefined : `${d.durationMs.toFixed(2)} ms`],
    ['rows', d.rows],
    ['code', d.code],
    ['reason', d.reason || undefined],
    ['clean close', d.wasClean],
    ['attempt', d.attempt],
    ['delay', d.delayMs === undefined ? undefined : `${d.delayMs} ms`],
    ['id', event.id],
    ['seq', event.seq],
  ];
  const names = new Set(fields.map(([name]) => name));
  for (const [name, value] of Object.entries(d.fields ?? {})) {
    // A protocol-specific field may share a name with a standard one; both are shown.
    fields.push([names.has(name) ? `fields.${name}` : name, value]);
  }
  return fields.filter(([, value]) => value !== undefined);
}

/** Pretty-prints JSON bodies; anything else is shown as it came. */
function formatBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function findEvent(events: readonly TimelineEvent[], id: string): TimelineEvent | undefined {
  // Newest first: the selected event is usually recent.
  for (let i = events.length - 1; i >= 0; i--) if (events[i]?.id === id) return events[i];
  return undefined;
}

/** Everything about the selected event. `onClose` deselects it (✕, or Escape anywhere inside). */
export const Inspector = memo(function Inspector({ onClose }: { onClose(): void }) {
  const selectedId = useTimeline((s) => s.selectedId);
  const events = useTimeline((s) => s.events);
  const timeOrigin = useTimeline((s) => s.timeOrigin);
  // Looked up once per selection (events is the same array while live): not a scan per frame.
  const event = useMemo(() => (selectedId === null ? undefined : findEvent(events, selectedId)), [events, selectedId]);
  if (!event) return null;
  const { detail } = event;

  return (
    // Escape from anywhere inside (the ✕, a selected body) closes it, as in the list.
    <section
      className={styles.inspector}
      data-testid="timeline-inspector"
      aria-label="Selected event"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <div className={styles.sectionHeader}>
        <h3 className={styles.sectionTitle}>Inspector</h3>
        <button type="button" className={styles.button} aria-label="Close the inspector" onClick={onClose}>
          ✕
        </button>
      </div>
      <p className={styles.inspectorSummary} data-origin={event.origin}>
        {event.summary}
      </p>
      <table className={styles.table}>
        <tbody>
          {eventFields(event, timeOrigin).map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{String(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {detail?.headers && Object.keys(detail.headers).length > 0 && (
        <>
          <h4 className={styles.inspectorSection}>Headers</h4>
          <table className={styles.table} data-testid="inspector-headers">
            <tbody>
              {Object.entries(detail.headers).map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {detail?.sql && (
        <>
          <h4 className={styles.inspectorSection}>SQL</h4>
          <CodeBlock className={styles.pre}>{detail.sql}</CodeBlock>
          {detail.params && detail.params.length > 0 && (
            <CodeBlock className={styles.pre}>params: {JSON.stringify(detail.params)}</CodeBlock>
          )}
        </>
      )}
      {detail?.body !== undefined && (
        <>
          <h4 className={styles.inspectorSection}>Body{detail.bodyTruncated ? ' (preview, truncated)' : ''}</h4>
          <CodeBlock className={styles.pre} data-testid="inspector-body">
            {detail.body === '' ? '(empty)' : formatBody(detail.body)}
          </CodeBlock>
        </>
      )}
      {detail?.raw && (
        <>
          <h4 className={styles.inspectorSection}>Bytes on the wire</h4>
          <HexDump base64={detail.raw} />
        </>
      )}
    </section>
  );
});
