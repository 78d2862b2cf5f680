// Shared helpers of the browser tests: the server under test, the browser, log-on.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE = (process.env.INTERDICT_URL || '').replace(/\/$/, '');
export const PASSWORD = process.env.INTERDICT_DEMO_PASSWORD || 'interdict-demo';
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

// Agencies each demo user may read law-enforcement records of (own + sharing partners),
// plus county_health whose public-health data is shared with everyone.
export const READABLE = {
  dea: ['dea', 'cbp', 'fiu', 'county_health'],
  cbp: ['cbp', 'dea', 'county_health'],
  sheriff: ['sheriff', 'ca_doj', 'county_health'],
  ca_doj: ['ca_doj', 'sheriff', 'county_health'],
};

export function requireServer() {
  if (!BASE) throw new Error('INTERDICT_URL is not set: run the tests through e2e/run.sh (or export INTERDICT_URL=http://host:port)');
}

export async function launch() {
  requireServer();
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (error) => { (page.errors ||= []).push(String(error)); });
  page.on('console', (message) => { if (message.type() === 'error') (page.consoleErrors ||= []).push(message.text()); });
  return { context, page };
}

// Signs on through the UI (acknowledging the notice) and waits for the header.
export async function logOn(browser, user, password = PASSWORD) {
  const { context, page } = await newPage(browser);
  await page.goto(`${BASE}/`);
  await page.getByTestId('logon-form').waitFor();
  await page.getByTestId('notice-ack').check();
  await page.getByTestId('logon-user').fill(user);
  await page.getByTestId('logon-password').fill(password);
  await page.getByTestId('logon-submit').click();
  await page.getByTestId('me-user').waitFor();
  return { context, page };
}

// Calls the API with the page's session cookie: {status, body}.
export async function apiCall(page, path, options = {}) {
  return page.evaluate(async ([path, options]) => {
    const response = await fetch(path, { method: options.method || 'GET', credentials: 'same-origin', headers: options.body ? { 'Content-Type': 'application/json' } : {}, body: options.body ? JSON.stringify(options.body) : undefined });
    const text = await response.text();
    let body = text;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    return { status: response.status, body };
  }, [path, options]);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

// Navigates by hash and waits until the router has started rendering that page.
export async function go(page, hash) {
  await page.evaluate((hash) => { location.hash = hash; }, hash);
  const route = hash.replace(/^#\/?/, '').split(/[/?]/)[0] || 'home';
  await page.waitForFunction((route) => { const current = document.querySelector('#view > .page'); return current && current.dataset.route === route; }, route);
}

// Waits until the view has finished loading (no "Loading…" placeholder) and reports an error box.
export async function settled(page) {
  // The page of the current hash (not the one before a click) has rendered past its
  // "Loading…" placeholder.
  await page.waitForFunction(() => {
    const route = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] || 'home';
    const current = document.querySelector('#view > .page');
    return current && current.dataset.route === route && !/^\s*Loading…\s*$/.test(current.textContent);
  });
  const error = page.locator('#view [data-testid=error]');
  if (await error.count()) throw new Error(`the page shows an error: ${await error.first().textContent()}`);
}

// A frequent name word of Person entities held by `agency`, from the user's own search.
export async function commonNameWord(page, agency) {
  const counts = new Map();
  for (const letter of ['ma', 'ar', 'ro', 'ga', 'jo', 'lo', 'sa', 'he']) {
    const { status, body } = await apiCall(page, `/api/search?q=${letter}&kind=Person&limit=500`);
    if (status !== 200) throw new Error(`search as the analyst failed: ${status} ${JSON.stringify(body)}`);
    for (const hit of body.hits) {
      if (hit.kind !== 'Person' || !hit.agencies.includes(agency)) continue;
      for (const word of String(hit.label).split(/[^A-Za-zÀ-ÿ'-]+/)) {
        if (word.length < 4) continue;
        const key = word.toLowerCase();
        counts.set(key, (counts.get(key) || 0) + 1);
      }
    }
    if (counts.size > 20) break;
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  if (!ranked.length) throw new Error(`no Person entity held by ${agency} found by searching single letters`);
  return ranked[0][0];
}
