// Deconfliction: dea registers an operation, the sheriff an overlapping one; dea's inbox gets it live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, logOn, go, settled, shot } from '../lib/helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function register(page, operation) {
  await go(page, '#/operations');
  await settled(page);
  await page.getByTestId('op-name').fill(operation.name);
  await page.getByTestId('op-latitude').fill(String(operation.latitude));
  await page.getByTestId('op-longitude').fill(String(operation.longitude));
  await page.getByTestId('op-radius').fill(String(operation.radius));
  await page.getByTestId('op-start').fill(operation.start);
  await page.getByTestId('op-end').fill(operation.end);
  await page.getByTestId('op-contact-name').fill(operation.contact);
  await page.getByTestId('op-contact-phone').fill(operation.phone);
  await page.getByTestId('op-submit').click();
  await page.locator('[data-testid=op-result] :is([data-testid=op-conflicts], [data-testid=op-no-conflicts], [data-testid=error])').first().waitFor();
  const error = page.locator('[data-testid=op-result] [data-testid=error]');
  if (await error.count()) throw new Error(`registering failed: ${await error.textContent()}`);
}

test('an overlapping operation by the sheriff alerts dea.analyst live', async () => {
  // A place and window no demo operation uses: the desert, years ahead, a random day.
  const day = 1 + Math.floor(Math.random() * 27);
  const date = `2031-03-${String(day).padStart(2, '0')}`;
  const latitude = 35.1 + Math.random() * 0.3;
  const longitude = -116.3 + Math.random() * 0.3;

  const dea = await logOn(browser, 'dea.analyst');
  await register(dea.page, { name: `E2E dea ${date}`, latitude: latitude.toFixed(5), longitude: longitude.toFixed(5), radius: 800, start: `${date}T06:00`, end: `${date}T10:00`, contact: 'Agent Dea', phone: '+1 213 555 0101' });
  assert.ok(await dea.page.getByTestId('op-id').count() === 1, 'dea gets an operation id');
  const deaConflicts = dea.page.getByTestId('conflict');
  const firstCount = await deaConflicts.count();
  assert.equal(firstCount, 0, 'the first operation conflicts with nothing at this place and time');
  await shot(dea.page, '08-operations-dea');

  await go(dea.page, '#/alerts');
  await settled(dea.page);
  await dea.page.getByTestId('alerts-list').waitFor();
  const alertsBefore = await dea.page.getByTestId('alert').count();
  await dea.page.evaluate(() => { window.__noReload = 'still here'; });

  const sheriff = await logOn(browser, 'sheriff.investigator');
  await register(sheriff.page, { name: `E2E sheriff ${date}`, latitude: (latitude + 0.003).toFixed(5), longitude: (longitude + 0.003).toFixed(5), radius: 500, start: `${date}T08:00`, end: `${date}T12:00`, contact: 'Deputy Sheriff', phone: '+1 213 555 0202' });
  await sheriff.page.getByTestId('op-conflicts').waitFor();
  const conflictText = await sheriff.page.getByTestId('conflicts').textContent();
  assert.match(conflictText, /dea/i, 'the sheriff is told dea has an overlapping operation');
  assert.match(conflictText, /Agent Dea/, 'and whom to call');
  assert.ok(!conflictText.includes('E2E dea'), 'but not the other operation\'s name');
  await shot(sheriff.page, '09-operations-sheriff-conflict');

  // dea's open alerts page receives it without a reload.
  await dea.page.waitForFunction((count) => document.querySelectorAll('[data-testid=alert]').length > count, alertsBefore, { timeout: 20_000 });
  const fresh = dea.page.locator('[data-testid=alert].fresh').first();
  await fresh.waitFor();
  const text = await fresh.textContent();
  assert.match(text, /sheriff|deconfliction/i, `the new alert is about the sheriff's operation: ${text}`);
  assert.equal(await dea.page.evaluate(() => window.__noReload), 'still here', 'the page was not reloaded');
  await shot(dea.page, '10-alerts-live');
  await dea.context.close();
  await sheriff.context.close();
});
