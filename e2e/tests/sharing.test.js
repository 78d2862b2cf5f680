// Two agencies search the same surname: each sees only what it may read, the other's records as pointers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, logOn, commonNameWord, go, settled, shot, READABLE, apiCall } from '../lib/helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function searchInUi(page, word) {
  await page.keyboard.press('Escape');
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.dataset.testid), 'global-search', '`/` focuses the search box');
  await page.keyboard.type(word);
  await page.keyboard.press('Enter');
  await page.waitForFunction((word) => location.hash.includes(`q=${encodeURIComponent(word)}`), word);
  await settled(page);
  await page.getByTestId('search-total').waitFor();
}

async function agencyFacets(page) {
  return page.$$eval('[data-testid=facet-agency] li', (items) => items.map((item) => item.dataset.value));
}

test('dea.analyst and sheriff.investigator see their own and shared agencies, and pointers to the rest', async () => {
  const dea = await logOn(browser, 'dea.analyst');
  const word = await commonNameWord(dea.page, 'dea');
  await searchInUi(dea.page, word);
  const deaAgencies = await agencyFacets(dea.page);
  assert.ok(deaAgencies.includes('dea'), `dea sees its own records for “${word}” (facets: ${deaAgencies})`);
  for (const agency of deaAgencies) assert.ok(READABLE.dea.includes(agency), `dea's agency facet holds only readable agencies, got ${agency}`);
  assert.ok(await dea.page.getByTestId('search-hit').count() > 0, 'dea has hits');
  await shot(dea.page, '03-search-dea');

  const sheriff = await logOn(browser, 'sheriff.investigator');
  await searchInUi(sheriff.page, word);
  const sheriffAgencies = await agencyFacets(sheriff.page);
  for (const agency of sheriffAgencies) assert.ok(READABLE.sheriff.includes(agency), `sheriff's agency facet holds only readable agencies, got ${agency} (all: ${sheriffAgencies})`);
  assert.ok(!sheriffAgencies.includes('dea'), 'sheriff does not see dea in the agency facet');
  const pointer = sheriff.page.locator('[data-testid=pointer][data-agency=dea]');
  assert.ok(await pointer.count() > 0, `sheriff is told that dea holds matching records for “${word}”`);
  assert.match(await pointer.first().textContent(), /Records held by .*dea/i);
  // No hit shown to the sheriff lists dea as an agency.
  const hitAgencies = await sheriff.page.$$eval('[data-testid=search-hit] td:nth-child(3)', (cells) => cells.map((cell) => cell.textContent));
  for (const text of hitAgencies) assert.ok(!/\bdea\b/.test(text), `a sheriff hit names dea: ${text}`);
  await shot(sheriff.page, '04-search-sheriff-pointers');

  // The API agrees with what the page shows.
  const { body } = await apiCall(sheriff.page, `/api/search?q=${encodeURIComponent(word)}`);
  assert.ok(body.pointers.some((item) => item.agency === 'dea'));
  assert.ok(body.hits.every((hit) => hit.agencies.every((agency) => READABLE.sheriff.includes(agency))));

  // Clicking a facet filters.
  const box = dea.page.getByTestId('facet-agency-dea');
  await box.check();
  await dea.page.waitForFunction(() => location.hash.includes('agency=dea'));
  await settled(dea.page);
  await dea.page.getByTestId('search-total').waitFor();
  const rows = await dea.page.$$eval('[data-testid=search-hit] td:nth-child(3)', (cells) => cells.map((cell) => cell.textContent));
  assert.ok(rows.length > 0 && rows.every((text) => /dea/.test(text)), 'the dea facet keeps only entities with dea records');
  await dea.context.close();
  await sheriff.context.close();
});
