'use client';

import { useEffect, useState } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { CodeBlock } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { RECEIVER_PATH } from './useWebhookLog';
import styles from './widgets.module.css';

interface Captured {
  deliveryId: string;
  eventId: string;
  headers: Record<string, string>;
  body: string;
  signedContent: string;
}

interface Sent {
  label: string;
  status: number;
  answer: string;
}

const SIGNATURE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/** HMAC-SHA256 in the browser (WebCrypto), base64: the same computation your app's verifier does. */
async function hmacBase64(secret: string, content: string): Promise<string | null> {
  if (!globalThis.crypto?.subtle) return null; // WebCrypto needs https or localhost
  const keyBytes = Uint8Array.from(atob(secret.replace(/^whsec_/, '')), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(content)));
  return btoa(String.fromCharCode(...mac));
}

/** Flips one bit of one character in the middle of the JSON: a change nobody would notice by eye. */
function flipOneByte(body: string): string {
  const at = body.indexOf('amountCents') >= 0 ? body.indexOf('amountCents') + 14 : Math.floor(body.length / 2);
  return body.slice(0, at) + String.fromCharCode(body.charCodeAt(at) ^ 1) + body.slice(at + 1);
}

/**
 * Plays the attacker against your app: capture the bank's last delivery,
 * check its signature by hand, then send it again as captured (a replay) or
 * with one byte changed (tampering), straight from this page.
 */
export function SignatureWidget() {
  const { fetch: labFetch } = useLab();
  const [captured, setCaptured] = useState<Captured | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [computed, setComputed] = useState<string | null>(null);
  const [sent, setSent] = useState<Sent | null>(null);
  const [age, setAge] = useState(0);
  const [failure, setFailure] = useState<string | null>(null);

  // How old the captured delivery is, by its own timestamp: the receiver's tolerance is measured the same way.
  useEffect(() => {
    if (!captured) return;
    const tick = () => setAge(Math.max(0, Math.floor(Date.now() / 1000 - Number(captured.headers['webhook-timestamp']))));
    tick();
    const timer = setInterval(tick, 1000);
    return () => clearInterval(timer);
  }, [captured]);

  const capture = async () => {
    setFailure(null);
    setSent(null);
    const res = await labFetch('/api/webhooks/deliveries/latest', { protocol: 'webhooks' });
    const json = await res.json();
    if (res.status !== 200) {
      setFailure(`${res.status} ${json.title}: ${json.detail}`);
      return;
    }
    const secretRes = await labFetch('/api/webhooks/secret', { protocol: 'webhooks' });
    const key = ((await secretRes.json()) as { secret: string }).secret;
    setCaptured(json as Captured);
    setSecret(key);
    setComputed(await hmacBase64(key, (json as Captured).signedContent));
  };

  const send = async (label: string, body: string) => {
    if (!captured) return;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const name of SIGNATURE_HEADERS) headers[name] = captured.headers[name] ?? '';
    const res = await labFetch(RECEIVER_PATH, { method: 'POST', protocol: 'webhooks', headers, body });
    setSent({ label, status: res.status, answer: await res.text() });
  };

  const received = captured?.headers['webhook-signature']?.replace(/^v1,/, '') ?? '';
  return (
    <WidgetFrame title="Signatures: check one, then attack your app" testId="signature-widget">
      <div className={ui.row}>
        <button type="button" className="lab-button" data-testid="sig-capture" onClick={() => void capture()}>
          Capture the last delivery
        </button>
        {captured && (
          <span className={ui.muted} data-testid="sig-age" data-age={age}>
            captured delivery is {age} s old
          </span>
        )}
      </div>
      {failure && <p className={styles.error}>{failure}</p>}
      {captured && (
        <>
          <dl className={styles.facts} data-testid="sig-headers">
            {SIGNATURE_HEADERS.map((name) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd>
                  <code>{captured.headers[name]}</code>
                </dd>
              </div>
            ))}
            <div>
              <dt>secret</dt>
              <dd>
                <code>{secret}</code>
              </dd>
            </div>
          </dl>
          <p className={ui.muted}>Signed content: webhook-id, a dot, webhook-timestamp, a dot, then the body byte for byte.</p>
          <CodeBlock className={styles.body} data-testid="sig-signed-content">
            {captured.signedContent}
          </CodeBlock>
          <p data-testid="sig-computed" data-match={computed === null ? 'unknown' : String(computed === received)}>
            {computed === null
              ? 'This browser offers WebCrypto only on https or localhost, so it cannot compute the HMAC here: try the terminal below.'
              : `HMAC-SHA256 computed in your browser: ${computed} — ${computed === received ? 'matches the header ✓' : 'does NOT match ✗'}`}
          </p>
          <div className={ui.row}>
            <button
              type="button"
              className="lab-button"
              data-testid="sig-replay"
              onClick={() => void send('replayed as captured', captured.body)}
            >
              Replay it as captured
            </button>
            <button
              type="button"
              className="lab-button"
              data-variant="danger"
              data-testid="sig-tamper"
              onClick={() => void send('one byte flipped', flipOneByte(captured.body))}
            >
              Flip one byte and send
            </button>
          </div>
        </>
      )}
      {sent && (
        <p className={sent.status < 300 ? styles.ok : styles.error} data-testid="sig-result" data-status={sent.status}>
          {sent.label}: {sent.status} {sent.answer}
        </p>
      )}
    </WidgetFrame>
  );
}
