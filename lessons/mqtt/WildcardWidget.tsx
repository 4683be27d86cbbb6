'use client';

import { useId, useState } from 'react';
import { WideTable } from '../../components/lab/Scrollable';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { explainMatch } from '../../lib/mqtt-topic';
import { StateBadge, useInbox, useMqttClient } from './shared';
import { outcomeOfError, outcomeOfGrant, outcomeText, type SubscribeOutcome } from './subscribe-outcome';
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
  const caughtRef = useLogTail<HTMLOListElement>(inbox.messages);
  const [outcome, setOutcome] = useState<SubscribeOutcome>({ kind: 'none' });
  const explanation = explainMatch(filter, topic);

  /** One subscription at a time: the previous one ends, and so does its list, whatever becomes of the new one. */
  const subscribe = async () => {
    if (!client) return;
    const previous = outcome.kind === 'subscribed' ? outcome.filter : null;
    setOutcome({ kind: 'none' });
    try {
      if (previous) await client.unsub(previous);
      inbox.clear();
      setOutcome(outcomeOfGrant(filter, await client.sub(filter, 0)));
    } catch (e: unknown) {
      inbox.clear();
      setOutcome(outcomeOfError(filter, e as Error));
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
        <WideTable className={`${ui.table} ${styles.table}`} data-testid="wildcard-levels">
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
        </WideTable>
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
        <span className={ui.muted} data-testid="wildcard-subscribed" data-outcome={outcome.kind}>
          {outcomeText(outcome, inbox.count)}
        </span>
      </div>
      <ol ref={caughtRef} className={`${ui.log} ${styles.terminal}`} data-testid="wildcard-caught" aria-label="Messages caught">
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
