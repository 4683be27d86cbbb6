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
