/**
 * Experiment 1 of the REST lesson: the request builder sends real requests
 * and shows them raw; each exchange is on the timeline from both sides.
 */
import { expect, test } from './fixtures';
import { REST_SLUG, serverTwin } from './rest-helpers';

// Many real round trips (some with injected latency) per test: allow for a busy machine.
test.describe.configure({ timeout: 90_000 });

test('the request builder shows raw requests and responses, each on the timeline from browser and server', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const builder = page.getByTestId('rest-builder');

  // GET: 200 with ETag, Cache-Control and the instance header.
  await builder.getByTestId('rest-send').click();
  await expect(builder.getByTestId('rest-status')).toHaveText('200');
  await expect(builder.getByTestId('rest-raw-request')).toContainText('GET /api/accounts/123 HTTP/1.1');
  const raw = builder.getByTestId('rest-raw-response');
  await expect(raw).toContainText('HTTP/1.1 200 OK');
  await expect(raw).toContainText(/etag: "[^"]+"/);
  await expect(raw).toContainText('cache-control: private, no-cache');
  await expect(raw).toContainText(/x-lab-instance: [AB]/);
  await expect(raw).toContainText('"owner": "Ada Lovelace"');

  const browserSide = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.protocol === 'rest' && e.kind === 'response' && e.detail?.url === '/api/accounts/123',
    'the browser response',
  );
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'response' && e.stream === browserSide.stream,
    'its server twin',
  );
  const twin = serverTwin(await lab.events(page), browserSide);
  expect(twin.map((e) => e.kind)).toEqual(['request', 'response']);
  const serverResponse = twin[1];
  expect(serverResponse?.protocol).toBe('rest');
  expect(serverResponse?.detail).toMatchObject({ status: 200, statusText: 'OK' });
  expect(serverResponse?.detail?.headers?.etag).toMatch(/^"/);
  expect(serverResponse?.bytes).toBeGreaterThan(200);

  // PATCH through a preset: 200, and the change is there on the next GET.
  await builder.getByRole('button', { name: 'Rename the owner' }).click();
  await builder.getByTestId('rest-send').click();
  await expect(builder.getByTestId('rest-raw-request')).toContainText('PATCH /api/accounts/123 HTTP/1.1');
  await expect(builder.getByTestId('rest-status')).toHaveText('200');
  await expect(raw).toContainText('"owner": "Ada King"');

  // POST a payment: 201 Created with a Location.
  await builder.getByRole('button', { name: 'Pay for coffee' }).click();
  await builder.getByTestId('rest-send').click();
  await expect(builder.getByTestId('rest-status')).toHaveText('201');
  await expect(raw).toContainText(/location: \/api\/transactions\/t-[0-9a-f]+/);

  // Wrong method: 405 with Allow, as problem+json.
  await builder.getByTestId('rest-method').selectOption('POST');
  await builder.getByTestId('rest-path').fill('/api/accounts/123');
  await builder.getByTestId('rest-body').fill('');
  await builder.getByTestId('rest-send').click();
  await expect(builder.getByTestId('rest-status')).toHaveText('405');
  await expect(raw).toContainText('allow: GET, PUT, PATCH, DELETE');
  await expect(raw).toContainText('application/problem+json');
  // The refusal is on the timeline from both sides, like any other exchange.
  const refused = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'response' && e.detail?.status === 405,
    'the browser side of the 405',
  );
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'response' && e.stream === refused.stream,
    'the server side of the 405',
  );
  const refusedTwin = serverTwin(await lab.events(page), refused);
  expect(refusedTwin.map((e) => [e.protocol, e.kind, e.detail?.status ?? e.detail?.method])).toEqual([
    ['rest', 'request', 'POST'],
    ['rest', 'response', 405],
  ]);

  // A read-only field: 422 explaining why.
  await builder.getByTestId('rest-method').selectOption('PATCH');
  await builder.getByTestId('rest-body').fill('{"balanceCents": 1}');
  await builder.getByTestId('rest-send').click();
  await expect(builder.getByTestId('rest-status')).toHaveText('422');
  await expect(raw).toContainText('money only moves through POST /api/transactions');

  // Closing a non-empty account: 409.
  await builder.getByRole('button', { name: 'Close an account' }).click();
  await builder.getByTestId('rest-send').click();
  await expect(builder.getByTestId('rest-status')).toHaveText('409');

  // If-Match with a stale ETag: 412.
  await builder.getByTestId('rest-method').selectOption('PATCH');
  await builder.getByTestId('rest-path').fill('/api/accounts/123');
  await builder.getByTestId('rest-headers').fill('If-Match: "stale"');
  await builder.getByTestId('rest-body').fill('{"owner": "Me"}');
  await builder.getByTestId('rest-send').click();
  await expect(builder.getByTestId('rest-status')).toHaveText('412');
});

test('If-Match with the weak form of the current ETag: the 412 explains strong comparison, not a change', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const builder = page.getByTestId('rest-builder');
  const api = await lab.api(page);
  const current = (await api.get('/api/accounts/123')).headers().etag as string;
  expect(current).toMatch(/^"/);

  await builder.getByRole('button', { name: 'Rename the owner' }).click();
  await builder.getByTestId('rest-headers').fill(`If-Match: W/${current}`);
  await builder.getByTestId('rest-send').click();
  await expect(builder.getByTestId('rest-status')).toHaveText('412');
  const raw = builder.getByTestId('rest-raw-response');
  await expect(raw).toContainText('strong comparison');
  await expect(raw).not.toContainText('changed this resource');
});

test('the builder refuses a bad header name and a path to another host before sending anything', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const builder = page.getByTestId('rest-builder');
  const offSite: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('evil.example.com')) offSite.push(request.url());
  });

  // A header name with a space: said in words, with the line and the name, and nothing is sent.
  await builder.getByTestId('rest-headers').fill('Accept: application/json\nIf Match: "x"');
  await builder.getByTestId('rest-send').click();
  const failure = builder.getByTestId('rest-failure');
  await expect(failure).toContainText('Header line 2: "If Match" is not a valid header name');
  await expect(failure).not.toContainText('Failed to construct');
  await expect(builder.getByTestId('rest-raw-response')).toHaveCount(0);

  // A path that names another host ("//host/…" and "/\host/…" both do): refused, not fetched.
  await builder.getByTestId('rest-headers').fill('');
  for (const path of ['//evil.example.com/x', '/\\evil.example.com/x']) {
    await builder.getByTestId('rest-path').fill(path);
    await builder.getByTestId('rest-send').click();
    await expect(failure).toContainText('only sends requests to this lab');
  }

  // Fixed, the same builder sends again.
  await builder.getByTestId('rest-path').fill('/api/accounts/123');
  await builder.getByTestId('rest-send').click();
  await expect(builder.getByTestId('rest-status')).toHaveText('200');
  await expect(failure).toHaveCount(0);

  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'response' && e.detail?.url === '/api/accounts/123',
    'the fixed request',
  );
  const refused = (await lab.events(page)).filter(
    (e) => e.origin === 'browser' && e.kind === 'request' && /evil|^\/api\/accounts\/123$/.test(String(e.detail?.url)),
  );
  // Only the fixed request went out.
  expect(refused.map((e) => e.detail?.url)).toEqual(['/api/accounts/123']);
  expect(offSite).toEqual([]);
});
