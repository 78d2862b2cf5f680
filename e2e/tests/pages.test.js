// Every main page renders without an error for a user allowed to see it; screenshots for review.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, logOn, apiCall, go, settled, shot } from '../lib/helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('analyst pages: overview, rings, key players, trace, map, alerts', async () => {
  const { context, page } = await logOn(browser, 'dea.analyst');
  await settled(page);
  await page.getByTestId('status').waitFor();
  await shot(page, '12-overview');

  await go(page, '#/rings');
  await settled(page);
  assert.ok(await page.getByTestId('ring-row').count() > 0, 'rings are listed');
  await shot(page, '13-rings');

  await go(page, '#/key-players');
  await settled(page);
  assert.ok(await page.getByTestId('key-player').count() > 0, 'key players are listed');
  await shot(page, '14-key-players');

  await go(page, '#/trace');
  await settled(page);
  const options = await page.$$eval('[data-testid=overdose-select] option', (items) => items.map((item) => item.value).filter(Boolean));
  assert.ok(options.length > 0, 'overdoses to pick from');
  // Pick the first overdose whose trace has candidates, if any does among the first few.
  let traced = false;
  for (const id of options.slice(0, 15)) {
    const { status, body } = await apiCall(page, `/api/trace/${encodeURIComponent(id)}`);
    if (status === 200 && body.candidates.length) {
      await page.getByTestId('overdose-select').selectOption(id);
      await page.getByTestId('trace-candidate').first().waitFor();
      traced = true;
      break;
    }
  }
  if (!traced) { await page.getByTestId('overdose-select').selectOption(options[0]); await page.getByTestId('trace-result').locator('.panel, .empty').first().waitFor(); }
  await settled(page);
  await shot(page, '15-trace');

  await go(page, '#/map');
  await settled(page);
  await page.getByTestId('map-svg').waitFor();
  assert.equal(await page.getByTestId('county').count(), 58);
  assert.ok(await page.getByTestId('map-point').count() > 0, 'the analyst sees points');
  await shot(page, '16-map');
  await page.getByTestId('map-since').fill('2099-01-01');
  await page.getByTestId('map-apply').click();
  await page.waitForFunction(() => location.hash.includes('since=2099-01-01'));
  await settled(page);
  assert.equal(await page.getByTestId('map-point').count(), 0, 'a window in the future has no points (re-fetched)');

  await go(page, '#/alerts');
  await settled(page);
  await page.getByTestId('alerts-list').waitFor();
  await shot(page, '17-alerts');
  assert.deepEqual(page.errors || [], [], 'no script errors');
  const policy = (page.consoleErrors || []).filter((text) => /Content Security Policy|Refused to/i.test(text));
  assert.deepEqual(policy, [], 'nothing blocked by the Content-Security-Policy');
  await context.close();
});

test('administrator page: users and agencies', async () => {
  const { context, page } = await logOn(browser, 'hidta.admin');
  await page.getByTestId('nav-admin').click();
  await page.waitForFunction(() => location.hash === '#/admin');
  await settled(page);
  // The table arrives with the users' answer: wait for it rather than race it.
  await page.getByTestId('user-row').first().waitFor();
  assert.ok(await page.getByTestId('user-row').count() >= 9, 'the demo users are listed');
  assert.match(await page.getByTestId('agencies').textContent(), /dea/);
  await shot(page, '18-admin');
  await context.close();
});
