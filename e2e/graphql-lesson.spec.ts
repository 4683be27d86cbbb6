/**
 * The GraphQL lesson's HTTP experiments in a real browser: the shape, one
 * round trip against the REST waterfall, the resolver tree, N+1 with and
 * without DataLoader (counted from the SQL the server really ran), errors.
 */
import { expect as baseExpect, test } from './fixtures';
import { EVENT_WAIT, lastOperation, SLUG } from './graphql-helpers';

// Generous limits, not speed claims: the shared test machine is often heavily loaded.
const expect = baseExpect.configure({ timeout: 30_000 });
test.describe.configure({ timeout: 120_000 });

test('ask for a shape: the response mirrors the ticked fields', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG, { timeout: 30_000 });
  const widget = page.getByTestId('gql-shape');
  await widget.getByTestId('gql-field-account.balance').uncheck();
  await widget.getByTestId('gql-field-account.transactions.merchant.category').check();
  await expect(widget.getByTestId('gql-shape-query')).toContainText('category');
  await expect(widget.getByTestId('gql-shape-query')).not.toContainText('balance');
  await widget.getByTestId('gql-shape-send').click();

  const response = widget.getByTestId('gql-shape-response');
  await expect(response).toContainText('"owner": "Ada Lovelace"');
  const body = JSON.parse((await response.textContent()) ?? '') as { data: { account: Record<string, unknown> } };
  expect(Object.keys(body.data.account)).toEqual(['owner', 'transactions']);
  expect(body.data.account.transactions).toEqual([
    { description: 'Single ticket', amount: -2.8, merchant: { name: 'City Rail', category: 'transport' } },
    { description: 'A book on networks', amount: -24.99, merchant: { name: 'Paper Lantern Books', category: 'shopping' } },
    { description: 'Flat white', amount: -3.5, merchant: { name: 'Corner Coffee', category: 'food' } },
  ]);
  const bytes = Number(await widget.getByTestId('gql-shape-bytes').getAttribute('data-bytes'));

  // Asking for less sends fewer bytes.
  await widget.getByTestId('gql-field-account.transactions.description').uncheck();
  await widget.getByTestId('gql-shape-send').click();
  await expect(widget.getByTestId('gql-shape-response')).not.toContainText('description');
  expect(Number(await widget.getByTestId('gql-shape-bytes').getAttribute('data-bytes'))).toBeLessThan(bytes);

  // The timeline has the POST from both sides, sharing a trace id.
  const sent = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.protocol === 'graphql' && e.kind === 'request',
    'the POST',
    EVENT_WAIT,
  );
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'request' && e.stream === sent.stream,
    'its arrival',
    EVENT_WAIT,
  );
});

test('one round trip: the same screen costs 5 REST requests and 1 GraphQL request, with fewer bytes', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG, { timeout: 30_000 });
  const widget = page.getByTestId('gql-shape');
  await widget.getByTestId('gql-compare').click();
  const rest = widget.getByTestId('gql-compare-rest');
  const graphql = widget.getByTestId('gql-compare-graphql');
  await expect(rest).toHaveAttribute('data-requests', '5');
  await expect(graphql).toHaveAttribute('data-requests', '1');
  expect(Number(await graphql.getAttribute('data-bytes'))).toBeLessThan(Number(await rest.getAttribute('data-bytes')));
  // Measured, not claimed: the REST requests are on the timeline.
  const events = await lab.events(page);
  const restPaths = events
    .filter((e) => e.origin === 'browser' && e.protocol === 'rest' && e.kind === 'response')
    .map((e) => e.detail?.url);
  expect(restPaths).toEqual(
    expect.arrayContaining([
      '/api/accounts/123',
      '/api/accounts/123/transactions',
      '/api/merchants/m-coffee',
      '/api/merchants/m-books',
      '/api/merchants/m-rail',
    ]),
  );
});

test('the resolver tree, and N+1: 2 + N statements with DataLoader off, 3 with it on', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG, { timeout: 30_000 });
  const widget = page.getByTestId('gql-tree-widget');

  // N = 3 (the seeded transactions), DataLoader off.
  let since = (await lab.events(page)).length;
  await widget.getByTestId('gql-run').click();
  await expect(widget.getByTestId('gql-sql-count')).toHaveAttribute('data-count', '5');
  let op = await lastOperation(lab, page, since);
  expect(op.events.filter((e) => e.origin === 'db')).toHaveLength(5);
  // The tree: account → transactions → one merchant per transaction, each with its own SELECT.
  const merchants = widget.locator('[data-testid="gql-tree-node"][data-path$=".merchant"]');
  await expect(merchants).toHaveCount(3);
  for (const node of await merchants.all()) await expect(node).toHaveAttribute('data-sql', '1');
  await expect(widget.locator('[data-testid="gql-tree-node"][data-path="account.transactions"]')).toHaveAttribute(
    'data-sql',
    '1',
  );
  const resolves = op.events.filter((e) => e.kind === 'resolve');
  expect(resolves.map((e) => e.detail?.fields?.path)).toEqual(
    expect.arrayContaining([
      'account',
      'account.transactions',
      'account.transactions.0.merchant',
      'account.transactions.2.merchant',
    ]),
  );

  // Raise N to 10: 12 statements, counted on the timeline too.
  await widget.getByTestId('gql-n').fill('10');
  await widget.getByTestId('gql-n-apply').click();
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'note' && e.detail?.fields?.transactions === 10,
    'the new history',
    EVENT_WAIT,
  );
  since = (await lab.events(page)).length;
  await widget.getByTestId('gql-run').click();
  await expect(widget.getByTestId('gql-sql-count')).toHaveAttribute('data-count', '12');
  op = await lastOperation(lab, page, since);
  const off = op.events.filter((e) => e.origin === 'db');
  expect(off).toHaveLength(12);
  expect(off.filter((e) => /FROM merchants WHERE .* id = \?/.test(e.detail?.sql ?? ''))).toHaveLength(10);
  // Without DataLoader every statement hangs under its own resolver: none is drawn as a batch.
  await expect(widget.getByTestId('gql-tree-node')).not.toHaveCount(0);
  await expect(widget.getByTestId('gql-tree-batch')).toHaveCount(0);

  // DataLoader on, the same query: 3 statements, the merchants in one IN query.
  await widget.getByTestId('gql-dataloader').check();
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.detail?.fields?.dataLoader === true && e.kind === 'note',
    'the switch',
    EVENT_WAIT,
  );
  since = (await lab.events(page)).length;
  await widget.getByTestId('gql-run').click();
  await expect(widget.getByTestId('gql-sql-count')).toHaveAttribute('data-count', '3');
  op = await lastOperation(lab, page, since);
  const on = op.events.filter((e) => e.origin === 'db');
  expect(on).toHaveLength(3);
  expect(on[2]?.detail?.sql).toMatch(/id IN \(\?, \?, \?\)$/);
  await expect(widget.getByTestId('gql-tree-batch')).toContainText('DataLoader batch of 3');
  await expect(merchants).toHaveCount(10);
});

test('errors: syntax, unknown field, too deep and partial data, in GraphQL format', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG, { timeout: 30_000 });
  const widget = page.getByTestId('gql-errors');
  const result = widget.getByTestId('gql-error-result');
  const status = widget.getByTestId('gql-error-status');
  const list = widget.getByTestId('gql-error-list');

  await widget.getByTestId('gql-error-syntax').click();
  await expect(result).toHaveAttribute('data-mistake', 'syntax');
  await expect(status).toHaveText('400');
  await expect(list.locator('li').first()).toHaveAttribute('data-code', 'GRAPHQL_PARSE_FAILED');
  await expect(list).toContainText(/Syntax Error: Expected Name, found <EOF>.*line 1, column/);
  await expect(widget.getByTestId('gql-error-data')).toHaveText('(absent)');

  await widget.getByTestId('gql-error-field').click();
  await expect(result).toHaveAttribute('data-mistake', 'field');
  await expect(list.locator('li').first()).toHaveAttribute('data-code', 'GRAPHQL_VALIDATION_FAILED');
  await expect(list).toContainText('Cannot query field "nickname" on type "Account".');

  await widget.getByTestId('gql-error-depth').click();
  await expect(result).toHaveAttribute('data-mistake', 'depth');
  await expect(status).toHaveText('400');
  // A valid query, refused only for its depth, and worded as the validation error it is.
  await expect(list.locator('li')).toHaveCount(1);
  await expect(list.locator('li')).toHaveAttribute('data-code', 'GRAPHQL_VALIDATION_FAILED');
  await expect(list.locator('li')).toHaveText('GRAPHQL_VALIDATION_FAILED: Query depth limit of 6 exceeded, found 12.');

  await widget.getByTestId('gql-error-partial').click();
  await expect(result).toHaveAttribute('data-mistake', 'partial');
  await expect(status).toHaveText('200');
  await expect(widget.getByTestId('gql-error-data')).toHaveText('{"ada":{"owner":"Ada Lovelace"},"all":null}');
  await expect(list.locator('li')).toHaveCount(1);
  await expect(list.locator('li')).toHaveAttribute('data-code', 'BAD_USER_INPUT');
  await expect(list).toContainText('at all.transactions');

  // The server side recorded the errors as error events on the timeline.
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.protocol === 'graphql' && e.kind === 'error',
    'a GraphQL error event',
    EVENT_WAIT,
  );
});

test('bad input stays in the widget: an empty N cannot be set, an amount that is no number is explained before sending', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG, { timeout: 30_000 });
  const tree = page.getByTestId('gql-tree-widget');
  // Number('') is 0: an empty field must not quietly empty the account.
  await tree.getByTestId('gql-n').fill('');
  await expect(tree.getByTestId('gql-n-apply')).toBeDisabled();
  await tree.getByTestId('gql-n').fill('1');
  await tree.getByTestId('gql-n-apply').click();
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'note' && e.detail?.fields?.transactions === 1,
    'the new history',
    EVENT_WAIT,
  );
  await tree.getByTestId('gql-run').click();
  // One transaction, in the singular: account, transactions and one merchant resolver.
  await expect(tree.getByTestId('gql-counts')).toContainText('3 SQL statements for 1 transaction, 3 resolver calls');

  const pane = page.getByTestId('gql-mutation-pane');
  const amount = pane.getByTestId('gql-mutate-amount');
  await amount.fill('abc');
  await expect(pane.getByTestId('gql-mutate-amount-error')).toHaveText('Amount must be a number of euros, e.g. -7.5 or 20.');
  await expect(amount).toHaveAttribute('aria-invalid', 'true');
  await expect(pane.getByTestId('gql-mutate-send')).toBeDisabled();
  await amount.fill('');
  await expect(pane.getByTestId('gql-mutate-send')).toBeDisabled();
  await amount.fill('-2.5');
  await expect(pane.getByTestId('gql-mutate-amount-error')).toHaveCount(0);
  await expect(pane.getByTestId('gql-mutate-send')).toBeEnabled();
  await pane.getByTestId('gql-mutate-send').click();
  await expect(pane.getByTestId('gql-sent').locator('li[data-id]')).toHaveCount(1);
  await expect(pane.getByTestId('gql-sent')).toContainText('-2.50 €');
  // No request ever carried the bad amount: the server saw no invalid $input.
  const invalid = (await lab.events(page)).filter((e) => e.origin === 'server' && /invalid value/.test(e.summary));
  expect(invalid).toEqual([]);
});

test('on a phone (390 px) the resolver tree keeps its bars in view, down to the merchant rows', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG, { timeout: 30_000 });
  await page.setViewportSize({ width: 390, height: 844 });
  const widget = page.getByTestId('gql-tree-widget');
  await widget.getByTestId('gql-run').click();
  const tree = widget.getByTestId('gql-tree');
  const merchant = tree.locator('[data-testid="gql-tree-node"][data-path="account.transactions.0.merchant"]');
  await expect(merchant).toBeVisible();
  await tree.scrollIntoViewIfNeeded();
  // Each row's bar: the first is the account's, the last one drawn here a merchant's (the deepest level).
  for (const node of [tree.locator('[data-testid="gql-tree-node"][data-path="account"]'), merchant]) {
    const bar = node.locator(':scope > div > span[title^="starts at"]');
    await bar.scrollIntoViewIfNeeded();
    await expect(bar).toBeInViewport({ ratio: 1 });
  }
  // The tree scrolls up and down, never sideways.
  expect(await tree.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
});
