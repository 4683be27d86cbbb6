'use client';

import { useRef, useState } from 'react';
import {
  type FailedAttempt,
  multipartUpload,
  type PartState,
  sha256Hex,
  streamedUpload,
  tryStreamingRequestBody,
} from '../../components/lab/clients/stream';
import { DropButton } from '../../components/lab/DropButton';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { parseFailPart } from './fail-part';
import styles from './widgets.module.css';

const MB = 1024 * 1024;
const GENERATED_MB = 24;

/** A file of random bytes made in the page (crypto.getRandomValues fills at most 64 KiB per call). */
function randomFile(mb: number): File {
  const chunks: Uint8Array[] = [];
  for (let made = 0; made < mb * MB; made += 65_536) chunks.push(crypto.getRandomValues(new Uint8Array(65_536)));
  return new File(chunks as BlobPart[], `random-${mb}MB.bin`, { type: 'application/octet-stream' });
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** How fast the server reads uploads (`?rate=`, bytes per second): slow enough to press Drop mid-way. */
const READ_RATES = [
  { label: 'full speed', value: 0 },
  { label: '2 MB/s', value: 2 * MB },
  { label: '500 KB/s', value: 500 * 1024 },
];

/** "try 1 was dropped after the server had read 5.1 MB" for each failed attempt. */
const failedText = (failed: FailedAttempt[]) =>
  failed
    .map(
      (f) =>
        `try ${f.attempt} ${f.status ? `got ${f.status}` : 'lost its connection'}${f.received !== null ? ` after the server had read ${mb(f.received)}` : ''}`,
    )
    .join('; ');

/** Pick or generate a file; send it as one streamed body, or as a multipart upload with per-part progress. */
export function UploadWidget() {
  const { record, fetch: labFetch } = useLab();
  const [file, setFile] = useState<File | null>(null);
  const [localSha, setLocalSha] = useState<string | null>(null);
  const [readRate, setReadRate] = useState(0);
  const [streamed, setStreamed] = useState<{ sent: number; text: string; state: string; attempt: number } | null>(null);
  const [partSize, setPartSize] = useState(2 * MB);
  const [parallel, setParallel] = useState(4);
  const [failPart, setFailPart] = useState('2');
  const [parts, setParts] = useState<Record<number, PartState>>({});
  const [multipart, setMultipart] = useState<{ state: string; text: string } | null>(null);
  const [duplex, setDuplex] = useState<string | null>(null);
  const busy = useRef(false);
  const failChoice = parseFailPart(failPart, file ? Math.ceil(file.size / partSize) : null);

  const choose = async (f: File) => {
    setFile(f);
    setLocalSha(null);
    setLocalSha(await sha256Hex(f));
  };

  const sendStreamed = async () => {
    if (!file || busy.current) return;
    busy.current = true;
    setStreamed({ sent: 0, text: 'sending…', state: 'sending', attempt: 1 });
    try {
      const result = await streamedUpload(record, file, {
        ...(readRate ? { readRate } : {}),
        onProgress: ({ sent, attempt }) =>
          setStreamed({
            sent,
            attempt,
            state: 'sending',
            text: `${attempt > 1 ? `try ${attempt}, from byte 0: ` : ''}sent ${mb(sent)} of ${mb(file.size)}`,
          }),
        onFailedAttempt: (f) =>
          setStreamed({
            sent: 0,
            attempt: f.attempt,
            state: 'retrying',
            text: `${failedText([f])}: nothing was kept, so the whole file goes again from byte 0…`,
          }),
      });
      const body = result.body as { sha256?: string; detail?: string; bytes?: number };
      if (result.status !== 201) throw new Error(body.detail ?? `answered ${result.status}`);
      const match = body.sha256 === localSha;
      const tries = result.failed.length + 1;
      setStreamed({
        sent: file.size,
        attempt: tries,
        state: match ? 'verified' : 'mismatch',
        text: `${tries > 1 ? `${failedText(result.failed)}, kept nothing; try ${tries} sent all ${mb(file.size)} again and ` : ''}stored ${mb(body.bytes ?? 0)}; server SHA-256 ${body.sha256?.slice(0, 16)}… ${match ? 'matches' : 'does NOT match'} yours`,
      });
    } catch (error: unknown) {
      setStreamed((s) => ({
        sent: s?.sent ?? 0,
        attempt: s?.attempt ?? 1,
        state: 'failed',
        text: `failed: ${(error as Error).message.replace(/\.$/, '')}. Nothing was kept: a streamed upload starts again from byte 0.`,
      }));
    } finally {
      busy.current = false;
    }
  };

  const sendMultipart = async () => {
    if (!file || busy.current || !failChoice.ok) return;
    busy.current = true;
    setParts({});
    setMultipart({ state: 'sending', text: 'creating the upload…' });
    try {
      const result = await multipartUpload(labFetch, record, file, {
        partSize,
        parallel,
        ...(readRate ? { readRate } : {}),
        ...(failChoice.part !== null ? { failPart: failChoice.part } : {}),
        onPart: (part) => setParts((p) => ({ ...p, [part.n]: part })),
      });
      const match = result.sha256 === localSha;
      const count = Math.ceil(file.size / partSize);
      const resent = result.partsSent - count;
      setMultipart({
        state: match ? 'verified' : 'mismatch',
        text: `complete: ${result.partsSent} part requests for ${count} parts, ${resent ? `${resent} ${resent === 1 ? 'part' : 'parts'} (${mb(result.resentBytes)} of ${mb(file.size)}) sent again` : 'none sent again'}; server SHA-256 ${result.sha256.slice(0, 16)}… ${match ? 'matches' : 'does NOT match'} yours`,
      });
    } catch (error: unknown) {
      setMultipart({ state: 'failed', text: (error as Error).message });
    } finally {
      busy.current = false;
    }
  };

  return (
    <WidgetFrame title="Uploads — one streamed body vs multipart" testId="upload-widget">
      <div className={`${ui.row} ${styles.row}`}>
        <input
          type="file"
          aria-label="A file to upload"
          data-testid="upload-file"
          onChange={(e) => e.target.files?.[0] && void choose(e.target.files[0])}
        />
        <button
          type="button"
          className="lab-button"
          data-testid="upload-generate"
          onClick={() => void choose(randomFile(GENERATED_MB))}
        >
          Generate {GENERATED_MB} MB
        </button>
        <label>
          Server reads at{' '}
          <select
            className="lab-input"
            data-testid="upload-read-rate"
            value={readRate}
            onChange={(e) => setReadRate(Number(e.target.value))}
            title="The server pauses reading between chunks: slow enough to press Drop mid-upload"
          >
            {READ_RATES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <DropButton target="stream" />
      </div>
      {file && (
        <p className={styles.note} data-testid="upload-chosen">
          {file.name}: {mb(file.size)}, SHA-256 <code data-testid="upload-local-sha">{localSha ?? 'hashing…'}</code>
        </p>
      )}
      <div className={ui.columns}>
        <div className={styles.panel}>
          <h4>Streamed: one request</h4>
          <button
            type="button"
            className="lab-button"
            data-testid="upload-streamed"
            disabled={!file || !localSha}
            onClick={() => void sendStreamed()}
          >
            Upload in one request
          </button>
          <progress className={styles.bar} max={file?.size ?? 1} value={streamed?.sent ?? 0} />
          {streamed && (
            <p
              className={styles.note}
              data-testid="upload-streamed-result"
              data-state={streamed.state}
              data-attempt={streamed.attempt}
            >
              {streamed.text}
            </p>
          )}
          <button
            type="button"
            className="lab-button"
            data-testid="upload-duplex"
            onClick={() => void tryStreamingRequestBody(record).then((r) => setDuplex(r.message))}
          >
            Try a ReadableStream body
          </button>
          {duplex && (
            <p className={styles.note} data-testid="upload-duplex-result">
              {duplex}
            </p>
          )}
        </div>
        <div className={styles.panel}>
          <h4>Multipart: parts in parallel</h4>
          <div className={`${ui.row} ${styles.row}`}>
            <label>
              Part size{' '}
              <select
                className="lab-input"
                data-testid="upload-part-size"
                value={partSize}
                onChange={(e) => setPartSize(Number(e.target.value))}
              >
                {[1, 2, 4, 8].map((n) => (
                  <option key={n} value={n * MB}>
                    {n} MB
                  </option>
                ))}
              </select>
            </label>
            <label>
              In parallel{' '}
              <select
                className="lab-input"
                data-testid="upload-parallel"
                value={parallel}
                onChange={(e) => setParallel(Number(e.target.value))}
              >
                {[1, 4, 8].map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Fail part{' '}
              <input
                className={`lab-input ${styles.small}`}
                data-testid="upload-fail-part"
                inputMode="numeric"
                aria-invalid={!failChoice.ok}
                value={failPart}
                onChange={(e) => setFailPart(e.target.value)}
                title="0 = no injected failure"
              />
            </label>
          </div>
          {!failChoice.ok && (
            <p className={styles.error} data-testid="upload-fail-part-error">
              {failChoice.error}
            </p>
          )}
          <button
            type="button"
            className="lab-button"
            data-testid="upload-multipart"
            disabled={!file || !localSha || !failChoice.ok}
            onClick={() => void sendMultipart()}
          >
            Upload in parts
          </button>
          <ul className={styles.parts} data-testid="upload-parts">
            {Object.values(parts).map((p) => (
              <li key={p.n} data-state={p.state} data-testid={`upload-part-${p.n}`}>
                part {p.n}: {p.state}
                {p.attempt > 1 ? ` (try ${p.attempt})` : ''}
                <progress className={styles.bar} max={p.bytes} value={p.sent} />
              </li>
            ))}
          </ul>
          {multipart && (
            <p className={styles.note} data-testid="upload-multipart-result" data-state={multipart.state}>
              {multipart.text}
            </p>
          )}
        </div>
      </div>
    </WidgetFrame>
  );
}
