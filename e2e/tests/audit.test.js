// The auditor reads and verifies the audit log; an analyst cannot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, logOn, apiCall, go, settled, shot } from '../lib/helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('hidta.auditor sees the audit page and the chain verifies', async () => {
  const { context, page } = await logOn(browser, 'hidta.auditor');
  await page.getByTestId('nav-audit').click();
  await page.waitForFunction(() => location.hash === '#/audit');
  await settled(page);
  assert.ok(await page.getByTestId('audit-entry').count() > 0, 'entries are listed');
  await page.getByTestId('verify-chain').click();
  await page.waitForFunction(() => /OK|BROKEN|error/i.test(document.querySelector('[data-testid=verify-result]').textContent));
  assert.match(await page.getByTestId('verify-result').textContent(), /Chain OK/);
  await shot(page, '11-audit');

  // Paging: one entry a page; “Older” shows an earlier sequence number.
  await go(page, '#/audit?limit=1');
  await settled(page);
  const newest = Number(await page.locator('[data-testid=audit-entry] td').first().textContent());
  assert.ok(newest >= 2, `several entries exist (newest ${newest})`);
  await page.getByTestId('audit-older').click();
  await page.waitForFunction(() => location.hash.includes('before='));
  await settled(page);
  await page.waitForFunction((newest) => { const cell = document.querySelector('[data-testid=audit-entry] td'); return cell && Number(cell.textContent) < newest; }, newest);
  await context.close();
});

test('dea.analyst has no audit navigation and gets 403 from /api/audit', async () => {
  const { context, page } = await logOn(browser, 'dea.analyst');
  assert.equal(await page.getByTestId('nav-audit').count(), 0);
  const { status, body } = await apiCall(page, '/api/audit?limit=5');
  assert.equal(status, 403, `GET /api/audit as an analyst: ${status} ${JSON.stringify(body).slice(0, 200)}`);
  assert.equal(typeof body.error, 'string');
  await go(page, '#/audit');
  await page.getByTestId('forbidden').waitFor();
  await context.close();
});
