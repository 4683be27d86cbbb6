'use client';

import { useState } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { problemMessageIn } from '../../lib/problem';
import { euros, utf8Bytes } from './shared';
import styles from './widgets.module.css';

interface Card {
  owner: string;
  balanceCents: number;
  arrived: number;
  used: number;
}

/** Experiment 5: a balance card needs two fields; the resource sends all of them. */
export function OverFetchWidget() {
  const { fetch: labFetch } = useLab();
  const [card, setCard] = useState<Card | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const load = async () => {
    setFailure(null);
    try {
      const response = await labFetch('/api/accounts/123', { protocol: 'rest', cache: 'no-store' });
      const text = await response.text();
      if (!response.ok) {
        // An error body is not an account: counting its bytes as one would report nonsense (€NaN, 99% thrown away).
        setCard(null);
        setFailure(`${response.status} ${response.statusText}: ${problemMessageIn(text) ?? 'no account came back.'}`);
        return;
      }
      const account = JSON.parse(text) as { owner: string; balanceCents: number };
      const used = { owner: account.owner, balanceCents: account.balanceCents };
      setCard({ ...used, arrived: utf8Bytes(text), used: utf8Bytes(JSON.stringify(used)) });
    } catch (error: unknown) {
      setCard(null);
      setFailure(`No response: ${(error as Error).message}`);
    }
  };

  return (
    <WidgetFrame title="A balance card" testId="rest-overfetch">
      <div className={ui.stack}>
        <div className={ui.row}>
          <button type="button" className="lab-button" data-testid="over-load" onClick={() => void load()}>
            Load the card
          </button>
        </div>
        {failure && (
          <p className={ui.error} data-testid="over-error">
            {failure}
          </p>
        )}
        {card && (
          <>
            <p data-testid="over-card">
              <strong>{card.owner}</strong> · {euros(card.balanceCents)}
            </p>
            <dl className={styles.figures}>
              <div>
                <dt>Body bytes that arrived</dt>
                <dd data-testid="over-arrived" data-bytes={card.arrived}>
                  {card.arrived}
                </dd>
              </div>
              <div>
                <dt>Bytes of the two fields used</dt>
                <dd data-testid="over-used" data-bytes={card.used}>
                  {card.used}
                </dd>
              </div>
              <div>
                <dt>Thrown away</dt>
                <dd data-testid="over-wasted">{Math.round((100 * (card.arrived - card.used)) / card.arrived)}%</dd>
              </div>
            </dl>
          </>
        )}
      </div>
    </WidgetFrame>
  );
}
