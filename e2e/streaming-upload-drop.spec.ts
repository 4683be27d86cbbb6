/**
 * "Drop connection during each upload and compare what has to be re-sent", in
 * real Chromium. The server reads slowly (?rate=) so the drop lands mid-upload;
 * every figure asserted is one the server reported (bytes read, part numbers),
 * never a time. A drop answers 503 before closing, so the page sees it instead
 * of Chromium silently re-sending the request.
 */
import type { Page } from '@playwright/test';
import type { TimelineEvent } from '../lib/timeline';
import { expect, type LabHelpers, test } from './fixtures';
import { closeOf, droppedConns, opensOf } from './streaming-helpers';

const MB = 1024 * 1024;
const FILE_BYTES = 24 * MB;

async function generateFile(page: Page) {
  const widget = page.getByTestId('upload-widget');
  await widget.getByTestId('upload-generate').click();
  await expect(widget.getByTestId('upload-local-sha')).toHaveText(/^[0-9a-f]{64}$/, { timeout: 20_000 });
  await widget.getByTestId('upload-fail-part').fill('0');
  return { widget, local: (await widget.getByTestId('upload-local-sha').textContent()) as string };
}

const isDropFault = (e: TimelineEvent) => e.origin === 'server' && e.kind === 'fault' && e.summary.startsWith('Drop stream');

/** The browser's answer on a connection: the status its XHR saw. */
const browserStatuses = (events: TimelineEvent[], conn: string) =>
  events.filter((e) => e.origin === 'browser' && e.kind === 'response' && e.conn === conn).map((e) => e.detail?.status);

async function dropNow(lab: LabHelpers, page: Page) {
  await page.getByTestId('upload-widget').getByTestId('drop-stream').click();
  return lab.waitForEvent(page, isDropFault, 'the drop fault');
}

test('a dropped one-request upload keeps nothing and sends the whole file again from byte 0', async ({ lab }) => {
  test.setTimeout(120_000);
  const [{ page }] = await lab.openLesson('streaming');
  const { widget, local } = await generateFile(page);
  await widget.getByTestId('upload-read-rate').selectOption({ label: '2 MB/s' });
  await widget.getByTestId('upload-streamed').click();

  // Wait until the server has read a few MB, then drop.
  const first = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'open' && e.summary.startsWith('streamed upload (server reads at 2 MB/s)'),
    'the upload open, naming the read rate',
    { timeout: 20_000 },
  );
  await lab.waitForEvent(
    page,
    (e) => e.conn === first.conn && e.detail?.fields?.sample === 'progress' && Number(e.detail?.fields?.bytes) >= 3 * MB,
    'the server having read 3 MB',
    { timeout: 30_000 },
  );
  const fault = await dropNow(lab, page);
  expect(droppedConns(fault)).toEqual([first.conn]);

  const result = widget.getByTestId('upload-streamed-result');
  await expect(result).toHaveAttribute('data-state', 'verified', { timeout: 60_000 });
  await expect(result).toHaveAttribute('data-attempt', '2');
  const events = await lab.events(page);

  // The first attempt: the server had read part of the file, and kept none of it.
  const cut = closeOf(events, first.conn as string);
  expect(cut?.detail?.fields?.ending).toBe('dropped');
  const received = Number(cut?.detail?.fields?.received);
  expect(received).toBeGreaterThanOrEqual(3 * MB);
  expect(received).toBeLessThan(FILE_BYTES);
  expect(cut?.detail?.fields?.kept).toBe(0);
  // The page saw the 503 (no silent re-send by Chromium: the server saw that request once).
  expect(browserStatuses(events, first.conn as string)).toEqual([503]);
  expect(opensOf(events, 'streamed upload').filter((e) => e.conn === first.conn)).toHaveLength(1);
  await expect(result).toContainText(`try 1 got 503 after the server had read ${(received / MB).toFixed(1)} MB`);

  // The retry: a new request carrying the whole file from byte 0, stored and verified.
  expect(events.some((e) => e.origin === 'browser' && e.kind === 'retry' && e.summary.includes('from byte 0'))).toBe(true);
  const attempts = opensOf(events, 'streamed upload (server reads at 2 MB/s)');
  expect(attempts).toHaveLength(2);
  const retry = attempts[1] as TimelineEvent;
  expect(retry.detail?.fields?.contentLength).toBe(FILE_BYTES);
  const stored = events.find((e) => e.conn === retry.conn && e.origin === 'server' && e.kind === 'response');
  expect(stored?.detail?.fields).toMatchObject({ bytes: FILE_BYTES, sha256: local });
  await expect(result).toContainText(`try 2 sent all 24.0 MB again`);
});

test('a dropped multipart upload re-sends only the parts that were in flight', async ({ lab }) => {
  test.setTimeout(120_000);
  const [{ page }] = await lab.openLesson('streaming');
  const { widget, local } = await generateFile(page);
  await widget.getByTestId('upload-read-rate').selectOption({ label: '500 KB/s' });
  await widget.getByTestId('upload-part-size').selectOption({ label: '2 MB' });
  await widget.getByTestId('upload-parallel').selectOption('4');
  await widget.getByTestId('upload-multipart').click();

  // Wait until some parts are stored and others are on the wire (the server has read some of them), then drop.
  const partOpens = (events: TimelineEvent[]) => opensOf(events, 'part ');
  const storedConns = (events: TimelineEvent[]) =>
    new Set(events.filter((e) => e.origin === 'server' && e.kind === 'response').map((e) => e.conn));
  const inFlight = (events: TimelineEvent[]) => {
    const stored = storedConns(events);
    return partOpens(events).filter(
      (open) =>
        !stored.has(open.conn) &&
        !closeOf(events, open.conn as string) &&
        events.some((e) => e.conn === open.conn && e.detail?.fields?.sample === 'progress'),
    );
  };
  await expect
    .poll(
      async () => {
        const events = await lab.events(page);
        return storedConns(events).size > 0 && inFlight(events).length > 0;
      },
      { timeout: 60_000, message: 'some parts stored and others sending' },
    )
    .toBe(true);
  expect(partOpens(await lab.events(page))[0]?.summary).toContain('(server reads at 500 KB/s)');
  const fault = await dropNow(lab, page);

  const result = widget.getByTestId('upload-multipart-result');
  await expect(result).toHaveAttribute('data-state', 'verified', { timeout: 90_000 });
  const events = await lab.events(page);
  const faultAt = events.findIndex(isDropFault);
  const opens = partOpens(events);
  const partOf = (conn: string | undefined) => Number(opens.find((e) => e.conn === conn)?.detail?.fields?.part);

  // What the drop cut: parts on the wire, each answered 503 (the page saw it) and closed as dropped.
  const dropped = droppedConns(fault);
  expect(dropped.length).toBeGreaterThan(0);
  for (const conn of dropped) {
    expect(browserStatuses(events, conn)).toEqual([503]);
    expect(closeOf(events, conn)?.detail?.fields?.ending).toBe('dropped');
  }
  const droppedParts = dropped.map(partOf);
  // Parts stored before the drop.
  const storedBefore = events
    .slice(0, faultAt)
    .filter((e) => e.origin === 'server' && e.kind === 'response')
    .map((e) => partOf(e.conn));
  expect(storedBefore.length).toBeGreaterThan(0);

  // Each dropped part was sent twice; every other part, including those stored before the drop, once.
  const requestsPerPart = new Map<number, number>();
  for (const open of opens) requestsPerPart.set(partOf(open.conn), (requestsPerPart.get(partOf(open.conn)) ?? 0) + 1);
  for (let n = 1; n <= 12; n++) expect(requestsPerPart.get(n), `requests for part ${n}`).toBe(droppedParts.includes(n) ? 2 : 1);
  for (const n of storedBefore) expect(droppedParts).not.toContain(n);
  for (const n of droppedParts) await expect(widget.getByTestId(`upload-part-${n}`)).toContainText('try 2');

  await expect(result).toContainText(
    `${12 + dropped.length} part requests for 12 parts, ${dropped.length} ${dropped.length === 1 ? 'part' : 'parts'} (${(dropped.length * 2).toFixed(1)} MB of 24.0 MB) sent again`,
  );
  await expect(result).toContainText(`SHA-256 ${local.slice(0, 16)}`);
  const complete = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && /^multipart upload \w+ complete/.test(e.summary),
    'the assembly',
  );
  expect(complete.detail?.fields?.sha256).toBe(local);
});
