'use client';

import { useId, useState } from 'react';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { explainMatch } from '../../lib/mqtt-topic';
import { StateBadge, useInbox, useMqttClient } from './shared';
import styles from './widgets.module.css';

/**
 * A topic filter against a topic, level by level, then the same filter as a
 * real subscription catching the live fleet's traffic.
 */
export function WildcardWidget() {
  const filterId = useId();
  const topicId = useId();
  const [filter, setFilter] = useState('atms/+/+/cash-level');
  const [topic, setTopic] = useState('atms/us-east/atm-0002/cash-level');
  const { client, state } = useMqttClient({ clientId: 'wildcard-playground' });
  const inbox = useInbox(client, 8);
  const [subscribed, setSubscribed] = useState<string | null>(null);
  const [granted, setGranted] = useState<number | null>(null);
  const explanation = explainMatch(filter, topic);

  const subscribe = async () => {
    if (!client) return;
    try {
      if (subscribed) await client.unsub(subscribed);
      const qos = await client.sub(filter, 0);
      setGranted(qos);
      setSubscribed(qos === 128 ? null : filter);
    } catch (e: unknown) {
      // mqtt.js checks filters itself and won't send an invalid one.
      setGranted(128);
      setSubscribed(null);
      console.warn((e as Error).message);
    }
  };

  return (
    <WidgetFrame
      title="Wildcard playground"
      testId="wildcard-widget"
      status={<StateBadge state={state} testId="wildcard-state" />}
    >
      <div className={ui.row}>
        <label htmlFor={filterId}>Filter</label>
        <input
          id={filterId}
          className={`lab-input ${ui.grow} ${ui.mono}`}
          data-testid="wildcard-filter"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          autoComplete="off"
        />
      </div>
      <div className={ui.row}>
        <label htmlFor={topicId}>Topic</label>
        <input
          id={topicId}
          className={`lab-input ${ui.grow} ${ui.mono}`}
          data-testid="wildcard-topic"
          value={topic}
          onChange={(e) => setTopic(e.target.value)}
          autoComplete="off"
        />
      </div>
      <p className={styles.verdict} data-match={explanation.matches} data-testid="wildcard-verdict">
        {explanation.error ? `Invalid: ${explanation.error}` : explanation.matches ? 'Match' : 'No match'}
      </p>
      {explanation.levels.length > 0 && (
        <table className={`${ui.table} ${styles.table}`} data-testid="wildcard-levels">
          <thead>
            <tr>
              <th>Filter level</th>
              <th>Topic level</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {explanation.levels.map((level, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: levels are positional
              <tr key={i}>
                <td className={ui.mono}>{level.filter ?? '(none)'}</td>
                <td className={ui.mono}>{level.topic ?? '(none)'}</td>
                <td data-ok={level.ok}>{level.why}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className={ui.row}>
        <button
          type="button"
          className="lab-button"
          data-testid="wildcard-subscribe"
          disabled={state !== 'open'}
          onClick={() => void subscribe()}
        >
          Subscribe with this filter
        </button>
        <span className={ui.muted} data-testid="wildcard-subscribed">
          {granted === 128
            ? 'refused by the broker (SUBACK 0x80)'
            : subscribed
              ? `subscribed to ${subscribed}: ${inbox.count} messages caught`
              : 'not subscribed'}
        </span>
      </div>
      <ol className={`${ui.log} ${styles.terminal}`} data-testid="wildcard-caught" aria-label="Messages caught">
        {inbox.messages.length === 0 && <li className={ui.empty}>Nothing caught yet (is the fleet running?).</li>}
        {inbox.messages.map((m, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a rolling log
          <li key={i}>
            {m.topic} {m.payload}
          </li>
        ))}
      </ol>
    </WidgetFrame>
  );
}
