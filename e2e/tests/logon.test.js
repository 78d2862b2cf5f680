// Log-on requires acknowledging the system-use notice; wrong passwords and lost sessions are explained.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, launch, newPage, shot } from '../lib/helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('log-on shows the notice and cannot proceed until it is acknowledged', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${BASE}/`);
  const notice = page.getByTestId('system-notice');
  await notice.waitFor();
  await page.waitForFunction(() => !/Loading the system-use notice/.test(document.querySelector('[data-testid=system-notice]').textContent));
  const noticeText = (await notice.textContent()).trim();
  assert.ok(noticeText.length > 20, `the system-use notice is shown (got ${JSON.stringify(noticeText)})`);
  const form = page.getByTestId('logon-form');
  const noticeBox = await notice.boundingBox();
  const userBox = await page.getByTestId('logon-user').boundingBox();
  assert.ok(noticeBox.y < userBox.y, 'the notice is above the form');

  await page.getByTestId('logon-user').fill('dea.analyst');
  await page.getByTestId('logon-password').fill(PASSWORD);
  assert.equal(await page.getByTestId('logon-submit').isDisabled(), true, 'sign-on is disabled before the notice is acknowledged');
  // Pressing Enter in the password field must not sign on either.
  await page.getByTestId('logon-password').press('Enter');
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId('me-user').count(), 0, 'not signed on without acknowledging');
  await shot(page, '01-logon');

  await page.getByTestId('notice-ack').check();
  assert.equal(await page.getByTestId('logon-submit').isDisabled(), false);
  await page.getByTestId('logon-submit').click();
  await page.getByTestId('me-user').waitFor();
  assert.match(await page.getByTestId('me').textContent(), /dea\.analyst/);
  assert.match(await page.getByTestId('me-agency').textContent(), /dea/i);
  await context.close();
});

test('a wrong password shows the API message and does not sign on', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${BASE}/`);
  await page.getByTestId('notice-ack').check();
  await page.getByTestId('logon-user').fill('sheriff.investigator');
  await page.getByTestId('logon-password').fill('not-the-password');
  await page.getByTestId('logon-submit').click();
  await page.locator('[data-testid=logon-error] [data-testid=error]').waitFor();
  const message = await page.getByTestId('logon-error').textContent();
  assert.ok(message.trim().length > 0, 'an error message is shown');
  assert.equal(await page.getByTestId('me-user').count(), 0);
  await context.close();
});

test('a session that ends (401 later) brings back the log-on with a lock message', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${BASE}/`);
  await page.getByTestId('notice-ack').check();
  await page.getByTestId('logon-user').fill('dea.analyst');
  await page.getByTestId('logon-password').fill(PASSWORD);
  await page.getByTestId('logon-submit').click();
  await page.getByTestId('me-user').waitFor();
  // The server forgets us: drop the cookie, then use the app.
  await context.clearCookies();
  await page.evaluate(() => { location.hash = '#/rings'; });
  await page.getByTestId('lock-message').waitFor();
  assert.match(await page.getByTestId('lock-message').textContent(), /locked|expired|sign on/i);
  assert.equal(await page.getByTestId('me-user').isVisible().catch(() => false), false);
  await shot(page, '02-locked');
  await context.close();
});
