// Search → profile → link chart → path between two nodes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, logOn, commonNameWord, go, settled, shot } from '../lib/helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('dea.analyst walks from a search to a path on the link chart', async () => {
  const { context, page } = await logOn(browser, 'dea.analyst');
  const word = await commonNameWord(page, 'dea');
  await go(page, `#/search?q=${encodeURIComponent(word)}&kind=Person`);
  await settled(page);
  const firstHit = page.locator('[data-testid=search-hit] a.entity-link').first();
  await firstHit.waitFor();
  const node = await firstHit.getAttribute('data-node');
  await firstHit.click();
  await page.waitForFunction((node) => decodeURIComponent(location.hash) === `#/entity/${node}`, node);
  await settled(page);
  await page.getByTestId('entity-title').waitFor();
  const records = page.getByTestId('record');
  assert.ok(await records.count() > 0, 'the profile lists records');
  const provenance = await records.first().locator('td').nth(2).textContent();
  assert.match(provenance, /feed/, 'provenance shows the feed');
  assert.match(provenance, /source id/, 'provenance shows the source id');
  const labels = await records.first().locator('td').nth(3).textContent();
  assert.ok(labels.trim().length > 0, 'labels are shown');
  await shot(page, '06-entity-profile');

  await page.getByTestId('open-chart').click();
  await page.waitForFunction(() => location.hash.startsWith('#/chart/'));
  await settled(page);
  await page.getByTestId('chart-svg').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=chart-node]').length >= 2);
  await page.waitForSelector('[data-testid=chart-svg][data-settled]', { timeout: 30_000 });
  const nodes = await page.$$eval('[data-testid=chart-node]', (groups) => groups.map((group) => group.dataset.node));
  assert.ok(nodes.includes(node), 'the chart holds the entity');
  const relations = await page.locator('[data-testid=relation-filters] input').count();
  assert.ok(relations > 0, 'relation filters are offered');

  // Select the root, then shift-click the node farthest from it in the drawing (likely a depth-2 node).
  const far = await page.evaluate((root) => {
    const position = (id) => { const group = document.querySelector(`[data-testid=chart-node][data-node="${CSS.escape(id)}"]`); const m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(group.getAttribute('transform')); return [Number(m[1]), Number(m[2])]; };
    const [x0, y0] = position(root);
    let best = null; let distance = -1;
    for (const group of document.querySelectorAll('[data-testid=chart-node]')) {
      const [x, y] = position(group.dataset.node);
      const d = Math.hypot(x - x0, y - y0);
      if (group.dataset.node !== root && d > distance) { distance = d; best = group.dataset.node; }
    }
    return best;
  }, node);
  const nodeLocator = (id) => page.locator(`[data-testid=chart-node][data-node="${id}"] circle`);
  await nodeLocator(node).click({ force: true });
  await page.locator(`[data-testid=node-details][data-node="${node}"]`).waitFor();
  await nodeLocator(far).click({ force: true, modifiers: ['Shift'] });
  await page.locator(`[data-testid=node-details][data-node="${far}"]`).waitFor();
  assert.equal(await page.getByTestId('chart-find-path').isDisabled(), false, 'two selected nodes enable “Find path”');
  await page.getByTestId('chart-find-path').click();
  await page.locator('[data-testid=path-result] [data-testid=path]').first().waitFor();
  const hops = await page.locator('[data-testid=path-result] [data-testid=path]').first().locator('[data-testid=hop]').count();
  assert.ok(hops >= 1, 'the path lists its hops');
  const hopText = await page.locator('[data-testid=path-result] [data-testid=hop]').first().textContent();
  assert.match(hopText, /evidence|×/, 'hops carry their links and evidence');
  const highlighted = await page.locator('[data-testid=chart-node].path').count();
  assert.ok(highlighted >= 2, `the path is highlighted on the chart (${highlighted} nodes)`);
  const exportHref = await page.getByTestId('export-graphml').getAttribute('href');
  assert.match(exportHref, /\/api\/graph\/export\.graphml\?node=/);
  const exported = await page.evaluate(async (href) => { const response = await fetch(href); return { status: response.status, text: (await response.text()).slice(0, 200) }; }, exportHref);
  assert.equal(exported.status, 200);
  assert.match(exported.text, /graphml/i);
  await shot(page, '07-link-chart-path');

  // Double-click expands another node: the chart grows or stays (if already complete), without errors.
  const before = await page.getByTestId('chart-node').count();
  await nodeLocator(far).dblclick({ force: true });
  await page.waitForFunction(() => !/Expanding/.test(document.querySelector('[data-testid=chart-info]').textContent));
  assert.ok(await page.getByTestId('chart-node').count() >= before);
  assert.deepEqual(page.errors || [], [], 'no script errors');
  await context.close();
});
