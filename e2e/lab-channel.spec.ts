/**
 * The lab channel carries the server's events to the page. When its socket
 * dies, the page reconnects and resumes from the last sequence number it
 * received: no server event is lost or shown twice.
 */
import { expect, test } from './fixtures';

test('a lab channel dropped at the socket level resumes with no gap in sequence numbers', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('how-this-lab-works');
  const api = await lab.api(page);

  // Some history before the drop.
  for (let i = 0; i < 3; i++) expect((await api.get('/api/intro/accounts/123')).status()).toBe(200);
  await lab.waitForEvent(page, (e) => e.origin === 'db', 'a db event before the drop');

  expect(await lab.dropChannel(page)).toBeGreaterThan(0);
  // Events recorded while the channel is down (the page can't hear them yet).
  for (let i = 0; i < 5; i++) expect((await api.get('/api/intro/accounts/456')).status()).toBe(200);

  const exported = await api.get(`/api/lab/sessions/${api.sessionId}/events`);
  const { lastSeq } = (await exported.json()) as { lastSeq: number };
  await expect.poll(() => page.evaluate(() => window.__lab?.lastServerSeq), { timeout: 15_000 }).toBeGreaterThanOrEqual(lastSeq);
  await expect.poll(() => page.evaluate(() => window.__lab?.channel)).toBe('open');

  const seqs = (await lab.events(page)).flatMap((e) => (e.seq === undefined ? [] : [e.seq])).sort((a, b) => a - b);
  expect(seqs.length).toBeGreaterThanOrEqual(lastSeq);
  // Contiguous from the first to the last, without duplicates.
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] as number) + i));
  expect(seqs[0]).toBe(1);
});
