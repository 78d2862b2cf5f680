// The epidemiologist sees no law-enforcement pages and cannot read a person.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, logOn, apiCall, go, settled, shot } from '../lib/helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('county_health.epi: no chart/rings/key-player/trace navigation, person entities denied', async () => {
  const dea = await logOn(browser, 'dea.analyst');
  let person = null;
  for (const letter of ['ma', 'ar', 'ro', 'ga']) {
    const { body } = await apiCall(dea.page, `/api/search?q=${letter}&kind=Person&limit=50`);
    person = (body.hits || []).find((hit) => hit.kind === 'Person');
    if (person) break;
  }
  assert.ok(person, 'dea.analyst finds some person to ask about');
  await dea.context.close();

  const epi = await logOn(browser, 'county_health.epi');
  const nav = await epi.page.$$eval('#nav a', (links) => links.map((link) => link.dataset.route));
  for (const route of ['rings', 'key-players', 'trace', 'chart', 'search']) {
    if (route === 'search') continue; // public-health records may be searchable
    assert.ok(!nav.includes(route), `the epidemiologist's navigation has no ${route} (has ${nav})`);
  }
  assert.ok(nav.includes('map'), 'the map is offered');
  await go(epi.page, '#/rings');
  await epi.page.getByTestId('forbidden').waitFor();
  await go(epi.page, `#/chart/${encodeURIComponent(person.node)}`);
  await epi.page.getByTestId('forbidden').waitFor();

  const { status, body } = await apiCall(epi.page, `/api/entities/${encodeURIComponent(person.node)}`);
  const denied = status === 403 || status === 404 || (status === 200 && (!body.records || body.records.length === 0));
  assert.ok(denied, `GET /api/entities/${person.node} as the epidemiologist: ${status} ${JSON.stringify(body).slice(0, 300)}`);
  if (status === 200) assert.ok(!JSON.stringify(body).includes(person.label), 'the name is not disclosed');

  const rings = await apiCall(epi.page, '/api/rings');
  assert.equal(rings.status, 403, `GET /api/rings as the epidemiologist: ${rings.status}`);

  await go(epi.page, '#/map');
  await settled(epi.page);
  await epi.page.getByTestId('map-svg').waitFor();
  assert.equal(await epi.page.getByTestId('county').count(), 58, 'all 58 counties drawn');
  assert.equal(await epi.page.getByTestId('map-point').count(), 0, 'no individual points for public health');
  await shot(epi.page, '05-map-epidemiologist');
  await epi.context.close();
});
