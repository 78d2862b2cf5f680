// The case workspace: the DEA supervisor (a member of the demo case) opens it and sees
// its records and entities; the DEA analyst (not a member) gets no records of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, logOn, go, settled, shot, apiCall } from '../lib/helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('dea.supervisor opens the demo case workspace and sees its records; dea.analyst gets none', async () => {
  const supervisor = await logOn(browser, 'dea.supervisor');
  const { body: cases } = await apiCall(supervisor.page, '/api/cases');
  const demo = cases.find((item) => item.agency === 'dea' && (item.members || []).includes('dea.supervisor'));
  assert.ok(demo, `the demo case is listed for the supervisor (${JSON.stringify(cases)})`);

  await supervisor.page.getByTestId('nav-cases').click();
  await settled(supervisor.page);
  assert.ok(await supervisor.page.getByTestId('case-row').count() >= 1, 'the cases list shows the demo case');
  assert.ok(await supervisor.page.getByTestId('case-open-form').count() === 1, 'a supervisor may open a case');
  await supervisor.page.locator(`[data-testid=case-link]`, { hasText: demo.id }).first().click();
  await supervisor.page.waitForFunction((id) => location.hash === `#/cases/${encodeURIComponent(id)}`, demo.id);
  await settled(supervisor.page);
  await supervisor.page.getByTestId('case-heading').waitFor();
  assert.match(await supervisor.page.getByTestId('case-heading').textContent(), new RegExp(demo.id));
  assert.ok(await supervisor.page.getByTestId('case-record').count() > 0, 'the member sees the case records');
  assert.ok(await supervisor.page.getByTestId('case-entity').count() > 0, 'and their entities');
  const members = await supervisor.page.$$eval('[data-testid=member-id]', (cells) => cells.map((cell) => cell.textContent));
  assert.ok(members.includes('dea.supervisor'));
  assert.equal(await supervisor.page.getByTestId('member-form').count(), 1, 'the supervisor may add members');
  await shot(supervisor.page, '30-case-workspace');
  // An entity links to its profile.
  await supervisor.page.locator('[data-testid=case-entity] a.entity-link').first().click();
  await supervisor.page.waitForFunction(() => location.hash.startsWith('#/entity/'));
  await settled(supervisor.page);
  await supervisor.page.getByTestId('entity-title').waitFor();
  assert.deepEqual(supervisor.page.errors || [], [], 'no script errors');
  await supervisor.context.close();

  const analyst = await logOn(browser, 'dea.analyst');
  const workspace = await apiCall(analyst.page, `/api/cases/${encodeURIComponent(demo.id)}`);
  assert.equal(workspace.status, 404, 'a non-member is not told of the case');
  await go(analyst.page, `#/cases/${encodeURIComponent(demo.id)}`);
  await analyst.page.locator('#view [data-testid=error]').waitFor();
  assert.equal(await analyst.page.getByTestId('case-record').count(), 0, 'the analyst sees no case records');
  await go(analyst.page, '#/cases');
  await settled(analyst.page);
  assert.equal(await analyst.page.getByTestId('case-open-form').count(), 0, 'an analyst opens no case');
  assert.equal(await analyst.page.locator('[data-testid=case-link]', { hasText: demo.id }).count(), 0, 'nor sees the demo case listed');
  await shot(analyst.page, '31-cases-analyst');
  await analyst.context.close();
});
