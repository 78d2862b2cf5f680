// The owning agency sees that someone inquired: sheriff.investigator's search is
// pointed to DEA records, and dea.supervisor's Inquiries page lists it (who, when,
// how many records) without the words searched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, logOn, commonNameWord, apiCall, go, settled, shot } from '../lib/helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('dea.supervisor sees the Sheriff inquiry about DEA records, not its words', async () => {
  const dea = await logOn(browser, 'dea.analyst');
  const word = await commonNameWord(dea.page, 'dea');
  await dea.context.close();

  const sheriff = await logOn(browser, 'sheriff.investigator');
  const { status, body } = await apiCall(sheriff.page, `/api/search?q=${encodeURIComponent(word)}`);
  assert.equal(status, 200);
  assert.ok(body.pointers.some((pointer) => pointer.agency === 'dea'), `the Sheriff is pointed to DEA for “${word}”`);
  await sheriff.context.close();

  const supervisor = await logOn(browser, 'dea.supervisor');
  await supervisor.page.getByTestId('nav-inquiries').click();
  await supervisor.page.waitForFunction(() => location.hash === '#/inquiries');
  await settled(supervisor.page);
  const rows = supervisor.page.getByTestId('inquiry');
  assert.ok(await rows.count() > 0, 'the inquiry is listed');
  const text = await supervisor.page.getByTestId('inquiries').textContent();
  assert.match(text, /sheriff\.investigator/);
  assert.ok(!text.toLowerCase().includes(word.toLowerCase()), 'the searched word is not shown');
  await shot(supervisor.page, '22-inquiries');
  await supervisor.context.close();

  const analyst = await logOn(browser, 'dea.analyst');
  assert.equal(await analyst.page.getByTestId('nav-inquiries').count(), 0);
  assert.equal((await apiCall(analyst.page, '/api/inquiries')).status, 403);
  await go(analyst.page, '#/inquiries');
  await analyst.page.getByTestId('forbidden').waitFor();
  await analyst.context.close();
});
