// Ingest: sheriff.investigator uploads a small CSV with one bad row and its profile,
// watches the job finish and sees the quarantined row with its line number.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, logOn, go, settled, shot } from '../lib/helpers.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an upload with a bad row shows progress, counts and the quarantined line', async () => {
  const { page } = await logOn(browser, 'sheriff.investigator');
  await go(page, '#/ingest');
  await settled(page);
  await page.getByTestId('ingest-data').setInputFiles(path.join(fixtures, 'field_interviews.csv'));
  await page.getByTestId('ingest-profile').setInputFiles(path.join(fixtures, 'field_interviews.profile.toml'));
  await page.getByTestId('ingest-submit').click();
  await page.getByTestId('job-bar').waitFor({ timeout: 30_000 });
  await page.getByTestId('ingest-counts').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('job-state').textContent(), 'done');
  assert.equal(await page.getByTestId('rows-read').textContent(), '4');
  assert.equal(await page.getByTestId('rows-quarantined').textContent(), '1');
  const rows = page.getByTestId('quarantined-row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  assert.equal(await rows.first().getByTestId('q-line').textContent(), '4');
  assert.equal(await rows.first().getByTestId('q-field').textContent(), 'DOB');
  assert.match(await rows.first().textContent(), /field_interviews\.csv/);
  await shot(page, '20-ingest-quarantine');
});
