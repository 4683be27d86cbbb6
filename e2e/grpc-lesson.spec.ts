/**
 * The gRPC lesson's experiments, performed in Chromium against the real
 * server: each test clicks what the lesson says to click and checks what the
 * widget and the timeline show.
 */

import type { TimelineEvent } from '../lib/timeline';
import { GetAccountRequestSchema, GetAccountResponseSchema } from '../proto/gen/lab/bank/v1/bank_pb';
import { expect, test } from './fixtures';
import { fieldNumberAt, numbers, tagRows } from './grpc-helpers';

test.describe.configure({ mode: 'parallel' });

test('1. the contract: the .proto beside the generated client, and a call through it', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('grpc');
  const widget = page.getByTestId('grpc-contract-widget');
  await expect(widget.getByTestId('contract-proto')).toContainText(
    'rpc GetMerchant(GetMerchantRequest) returns (GetMerchantResponse) {',
  );
  await expect(widget.getByTestId('contract-proto')).toContainText(
    'rpc LiveSupport(stream LiveSupportRequest) returns (stream LiveSupportResponse);',
  );
  await expect(widget.getByTestId('contract-proto')).toContainText('Money balance = 3;');
  await widget.getByTestId('contract-call').click();
  await expect(widget.getByTestId('contract-result')).toContainText('"owner": "Ada Lovelace"');
  const served = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.protocol === 'grpc' && e.kind === 'response',
    'the server response',
  );
  expect(served.detail?.code).toBe('ok');
  const request = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'request' && e.protocol === 'grpc',
    'the server request',
  );
  expect(request.detail?.fields).toMatchObject({
    protocol: 'connect',
    codec: 'proto',
    rpc: 'lab.bank.v1.AccountService/GetAccount',
  });
  // Browser and server events of the call share the trace id.
  const browserMessage = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'message' && e.dir === 'out',
    'the browser request message',
  );
  expect(browserMessage.stream).toBe(request.stream);
});

test('2. bytes: annotated field numbers match the .proto; JSON is bigger and says so', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('grpc');
  const widget = page.getByTestId('grpc-bytes-widget');
  await widget.getByTestId('bytes-send').click();
  await expect(widget.getByTestId('bytes-content-type')).toHaveText('application/proto');
  const response = widget.getByTestId('bytes-response-hex');
  const rows = await tagRows(response);
  expect(rows.map((r) => r.path)).toEqual(
    expect.arrayContaining(['account', 'account.owner', 'account.balance.cents', 'account.cards[0].last4']),
  );
  for (const row of rows)
    expect(row.field, `field number of ${row.path}`).toBe(fieldNumberAt(GetAccountResponseSchema, row.path));
  expect(rows.find((r) => r.path === 'account.balance.cents')?.wireType).toBe(0);
  expect(rows.find((r) => r.path === 'account')?.wireType).toBe(2);
  const requestRows = await tagRows(widget.getByTestId('bytes-request-hex'));
  expect(requestRows).toEqual([{ path: 'accountId', field: fieldNumberAt(GetAccountRequestSchema, 'accountId'), wireType: 2 }]);
  // The first byte on the wire is the tag of field 1, length-delimited: 1 << 3 | 2 = 0x0a.
  await expect(response.locator('pre span[data-role]').first()).toHaveText('0a');
  const binarySize = Number.parseInt((await widget.getByTestId('bytes-response-binary-size').textContent()) ?? '', 10);
  const jsonSize = Number.parseInt((await widget.getByTestId('bytes-response-json-size').textContent()) ?? '', 10);
  expect(jsonSize).toBeGreaterThan(binarySize);
  await expect(response).toHaveAttribute('data-bytes', String(binarySize));

  await widget.getByTestId('bytes-format-json').check();
  await widget.getByTestId('bytes-send').click();
  await expect(widget.getByTestId('bytes-content-type')).toHaveText('application/json');
  await expect(widget.getByTestId('bytes-response-hex')).toHaveAttribute('data-bytes', String(jsonSize));
  const jsonRequest = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'request' && e.detail?.fields?.codec === 'json',
    'the JSON call on the server',
  );
  expect(jsonRequest.detail?.headers?.['content-type']).toBe('application/json');
});

test('3. multiplexing: distinct odd stream ids on one connection, the slow call last; HTTP/1.1 queues behind it', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson('grpc');
  const widget = page.getByTestId('grpc-multiplex-widget');
  await widget.getByTestId('mux-run').click();
  const h2 = widget.locator('[data-testid="mux-call"][data-transport="http2"]');
  await expect(h2).toHaveCount(3, { timeout: 30_000 });
  const read = (calls: typeof h2) =>
    calls.evaluateAll((els) =>
      els.map((el) => ({
        name: el.getAttribute('data-name'),
        id: Number(el.getAttribute('data-stream-id')),
        end: Number(el.getAttribute('data-ended-at')),
      })),
    );
  const http2 = await read(h2);
  expect(http2.map((c) => c.id).sort()).toEqual([1, 3, 5]);
  const slow = http2.find((c) => c.name === 'slow');
  for (const c of http2) if (c.name !== 'slow') expect(c.end).toBeLessThan(slow?.end ?? 0);
  await expect(widget.getByTestId('mux-run-http2')).toHaveAttribute('data-connections', '1');
  await expect(widget.getByTestId('mux-run-http1.1')).toHaveAttribute('data-connections', '1');
  const http1 = await read(widget.locator('[data-testid="mux-call"][data-transport="http1.1"]'));
  const slow1 = http1.find((c) => c.name === 'slow');
  for (const c of http1) if (c.name !== 'slow') expect(c.end).toBeGreaterThan(slow1?.end ?? Number.POSITIVE_INFINITY);
  // On the timeline: DATA frames of different streams interleave on one connection.
  const frames = (await lab.events(page)).filter((e) => e.summary.startsWith('lab HTTP/2 client') && e.summary.includes('DATA'));
  expect(new Set(frames.map((e) => e.conn)).size).toBe(1);
  const order = frames.sort((a, b) => a.at - b.at).map((e) => e.stream);
  const slowStream = `h2-stream-${slow?.id}`;
  const firstSlow = order.indexOf(slowStream);
  const lastSlow = order.lastIndexOf(slowStream);
  expect(
    order.slice(firstSlow, lastSlow).some((s) => s !== slowStream),
    'other streams between the slow stream\u2019s frames',
  ).toBe(true);
});

test('4. four call kinds: unary and server streaming from the browser, client and bidi by the lab', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('grpc');
  const widget = page.getByTestId('grpc-kinds-widget');
  for (const kind of ['unary', 'server', 'client', 'bidi']) {
    await widget.getByTestId(`kind-${kind}-run`).click();
    await expect(widget.getByTestId(`kind-${kind}`)).toHaveAttribute('data-code', 'ok', { timeout: 15_000 });
  }
  await expect(widget.locator('[data-testid="kind-server-line"][data-dir="received"]')).toHaveCount(5);
  await expect(widget.locator('[data-testid="kind-client-line"][data-dir="sent"]')).toHaveCount(4);
  await expect(widget.locator('[data-testid="kind-client-line"][data-dir="received"]')).toHaveCount(1);
  await expect(widget.locator('[data-testid="kind-bidi-line"]').first()).toHaveAttribute('data-dir', 'received');
  const events = await lab.events(page);
  const uploads = events.filter(
    (e) => e.origin === 'server' && e.kind === 'message' && e.dir === 'in' && e.summary.startsWith('UploadLogs'),
  );
  expect(uploads).toHaveLength(4);
  for (const e of uploads) expect(e.detail?.fields).toMatchObject({ protocol: 'grpc', envelope: true });
  const streamed = events.filter(
    (e) => e.origin === 'browser' && e.kind === 'message' && e.dir === 'in' && e.summary.startsWith('StreamTransactions'),
  );
  expect(streamed).toHaveLength(5);
});

test('5. drop during StreamTransactions: an error status, then resume with contiguous transaction numbers', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('grpc');
  const widget = page.getByTestId('grpc-resume-widget');
  await widget.getByTestId('resume-start').click();
  await expect
    .poll(async () => numbers(await widget.getByTestId('resume-sequences').textContent()).length)
    .toBeGreaterThanOrEqual(4);
  await widget.getByTestId('drop-grpc').click();
  await expect(widget.getByTestId('drop-grpc-result')).toContainText('dropped 1');
  await expect(widget.getByTestId('resume-errors')).toContainText('resuming after #');
  // The status by name, as the timeline gives it, not by number.
  await expect(widget.getByTestId('resume-errors')).toContainText(/\[[A-Z][A-Za-z]+\] /);
  await expect(widget.getByTestId('resume-state')).toHaveText('done', { timeout: 30_000 });
  expect(numbers(await widget.getByTestId('resume-sequences').textContent())).toEqual(
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  await lab.waitForEvent(page, (e) => e.kind === 'fault', 'the drop fault');
  const resumed = (await lab.events(page)).filter(
    (e) =>
      e.origin === 'server' &&
      e.kind === 'message' &&
      e.dir === 'in' &&
      e.summary.startsWith('StreamTransactions') &&
      (e.detail?.body ?? '').includes('afterSequence'),
  );
  expect(resumed.length).toBeGreaterThanOrEqual(1);
});

test('6. caching: POST calls always reach the server; Connect GET is answered by the browser cache the second time', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson('grpc');
  const widget = page.getByTestId('grpc-cache-widget');
  for (const id of ['cache-post', 'cache-post', 'cache-get', 'cache-get']) {
    const before = await widget.getByTestId('cache-row').count();
    await widget.getByTestId(id).click();
    await expect(widget.getByTestId('cache-row')).toHaveCount(before + 1);
  }
  const rows = await widget
    .getByTestId('cache-row')
    .evaluateAll((els) =>
      els.map((el) => [el.getAttribute('data-rpc'), el.getAttribute('data-method'), el.getAttribute('data-cache')]),
    );
  expect(rows[0]).toEqual(['GetAccount', 'POST', 'network (POST is never cached)']);
  expect(rows[1]).toEqual(['GetAccount', 'POST', 'network (POST is never cached)']);
  expect(rows[2]).toEqual(['GetMerchant', 'GET', 'network']);
  expect(rows[3]).toEqual(['GetMerchant', 'GET', 'hit']);
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'response' && e.detail?.fields?.cache === 'hit',
    'the cache hit',
  );
  const isServed = (e: TimelineEvent) => e.origin === 'server' && e.kind === 'request' && e.summary.includes('GetMerchant');
  // The server's events come over the lab channel and may trail the browser's own.
  await lab.waitForEvent(page, isServed, "the server's GetMerchant request");
  const served = (await lab.events(page)).filter(isServed);
  expect(served).toHaveLength(1);
  expect(served[0]?.detail?.method).toBe('GET');
});

test('7. contracts that disagree: renamed decodes, retyped decodes wrongly or fails, unknown is kept', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('grpc');
  const widget = page.getByTestId('grpc-contracts-widget');
  await widget.getByTestId('contracts-run').click();
  await expect(widget.getByTestId('contracts-old-memo')).toHaveText('memo = "Flat white"');
  await expect(widget.getByTestId('contracts-old-amount')).toHaveText('amount_cents = 699');
  await expect(widget.getByTestId('contracts-new-amount')).toHaveText('amount_cents = -350');
  // Chromium's TextDecoder words it differently from Node's, but both refuse the bytes.
  await expect(widget.getByTestId('contracts-account-error')).toContainText('[Internal] parse binary:');
  await expect(widget.getByTestId('contracts-unknown-fields')).toContainText('field 8 (wire type 2');
  await expect(widget.getByTestId('contracts-unknown-fields')).toContainText('category = "food"');
  // The same bytes, annotated with each version: field 8 is unknown to the old one only.
  await expect(widget.getByTestId('contracts-old-hex').locator('[data-field="8"][data-role="tag"]')).toContainText(
    'unknown field',
  );
  await expect(widget.getByTestId('contracts-new-hex').locator('[data-field="8"][data-role="tag"]')).toContainText('(category)');
});

test('one student\u2019s gRPC calls never reach another\u2019s timeline', async ({ lab }) => {
  test.setTimeout(60_000);
  const [alice, bob] = await lab.openLesson('grpc', { tabs: 2, timeout: 45_000 });
  await alice.page.getByTestId('grpc-contract-widget').getByTestId('contract-call').click();
  await lab.waitForEvent(
    alice.page,
    (e) => e.origin === 'server' && e.protocol === 'grpc' && e.kind === 'response',
    'alice\u2019s call',
  );
  await bob.page.waitForTimeout(500);
  expect((await lab.events(bob.page)).filter((e) => e.protocol === 'grpc')).toHaveLength(0);
});
