// 28 CFR Part 23: dea.supervisor validates a pending criminal-intelligence record from
// the Validation page and the pending list shrinks; an analyst has no such page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, logOn, apiCall, go, settled, shot } from '../lib/helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('dea.supervisor validates one record and the pending list shrinks', async () => {
  const { context, page } = await logOn(browser, 'dea.supervisor');
  await page.getByTestId('nav-validation').click();
  await page.waitForFunction(() => location.hash === '#/validation');
  await settled(page);
  const rows = page.getByTestId('pending-record');
  const before = await rows.count();
  assert.ok(before > 0, 'the demo leaves some DEA intelligence pending');
  const first = rows.first();
  const record = await first.getAttribute('data-record');
  await first.getByTestId('validation-note').fill('E2E: predicate reviewed');
  await first.getByTestId('validate').click();
  await page.getByTestId('validation-done').waitFor();
  assert.equal(await rows.count(), before - 1, 'the validated record leaves the list');
  assert.equal(await page.getByTestId('pending-count').textContent(), String(before - 1));
  await shot(page, '19-validation');

  // The server agrees: after a reload the record is no longer pending.
  await go(page, '#/home');
  await go(page, '#/validation');
  await settled(page);
  // (The list shows the oldest 200: the next one may take its place.)
  assert.ok(await page.getByTestId('pending-record').count() <= before);
  assert.equal(await page.locator(`[data-testid=pending-record][data-record="${record}"]`).count(), 0);
  await context.close();
});

test('an analyst sees no Validation page and the API refuses', async () => {
  const { context, page } = await logOn(browser, 'dea.analyst');
  assert.equal(await page.getByTestId('nav-validation').count(), 0);
  assert.equal(await page.getByTestId('nav-watches').count(), 1, 'law enforcement keeps watches');
  const { status } = await apiCall(page, '/api/validations/pending');
  assert.equal(status, 403);
  await go(page, '#/validation');
  await page.getByTestId('forbidden').waitFor();
  await context.close();
});
