// Interdict web UI: session, shell, hash router and most pages (vanilla ES module).
import { api, ApiError, query, h, add, clear, count, fmtNumber, fmtTime, entityLink, empty, errorBox, table, tags, pointerNotice, jsonView, hopsView, setUnauthorizedHandler } from './util.js';
import { renderChart } from './chart.js';
import { renderMap } from './map.js';
import { renderCases } from './cases.js';
import { renderDirectoryAdmin } from './admin.js';
import { renderIngest } from './ingest.js';
import { renderReview, judgePair } from './review.js';
import { renderValidation, renderRetention, renderWatches, renderDisseminations, renderInquiries, watchButton } from './part23.js';

const state = { me: null, unread: 0, events: null, lockMessage: null, alertsList: null, cleanup: null };
const view = () => document.getElementById('view');

const LE_ROLES = ['analyst', 'investigator', 'supervisor'];
function can(ability) { return !!state.me && (state.me.abilities || []).includes(ability); }
function hasRole(role) { return !!state.me && (state.me.roles || []).some((held) => String(held).toLowerCase() === role); }
function lawEnforcement() {
  if (state.me && (state.me.abilities || []).includes('link_analysis')) return true;
  return can('records') && (state.me.roles || []).some((role) => LE_ROLES.includes(String(role).toLowerCase()));
}

// Pages: route → [title, visible(), render(params, path)].
const PAGES = {
  home: ['Overview', () => true, renderHome],
  search: ['Search', () => can('records'), renderSearch],
  rings: ['Rings', lawEnforcement, renderRings],
  'key-players': ['Key players', lawEnforcement, renderKeyPlayers],
  trace: ['Overdose trace', lawEnforcement, renderTrace],
  map: ['Map', () => true, (params, rest, target) => renderMap(target, params)],
  alerts: ['Alerts', () => true, renderAlerts],
  operations: ['Operations', () => can('operations'), renderOperations],
  cases: ['Cases', () => lawEnforcement() || can('admin'), (params, rest, target) => renderCases(target, rest, { me: state.me, refresh: route, banner: showBanner })],
  audit: ['Audit', () => can('audit'), renderAudit],
  admin: ['Admin', () => can('admin'), renderAdmin],
  ingest: ['Ingest', () => can('records'), renderIngest],
  review: ['Review', lawEnforcement, (params, rest, target) => renderReview(params, rest, target, state.me)],
  validation: ['Validation', () => hasRole('supervisor'), renderValidation],
  retention: ['Retention', () => hasRole('supervisor'), renderRetention],
  watches: ['Watches', () => can('operations'), renderWatches],
  disseminations: ['Disseminations', () => can('audit') || hasRole('supervisor'), renderDisseminations],
  inquiries: ['Inquiries', () => hasRole('supervisor'), renderInquiries],
  entity: [null, () => can('records'), renderEntity],
  chart: [null, lawEnforcement, (params, rest, target) => renderChart(target, rest, params)],
};

function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart] = hash.split('?');
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const params = Object.fromEntries(new URLSearchParams(queryPart || ''));
  return { route: parts[0] || 'home', rest: parts.slice(1).join('/'), params, raw: new URLSearchParams(queryPart || '') };
}

function showBanner(message) {
  const banner = document.getElementById('banner');
  if (!message) { banner.hidden = true; banner.textContent = ''; return; }
  clear(banner).append(message, ' ', h('button', { class: 'secondary', onclick: () => showBanner(null), 'aria-label': 'Dismiss' }, '×'));
  banner.hidden = false;
}

async function route() {
  if (!state.me) return;
  if (state.cleanup) { try { state.cleanup(); } catch { /* ignore */ } state.cleanup = null; }
  showBanner(null);
  const { route: name, rest, params } = parseHash();
  const page = PAGES[name];
  document.querySelectorAll('#nav a').forEach((link) => link.classList.toggle('active', link.dataset.route === name));
  // Each navigation renders into its own container: a slower earlier page that
  // finishes late writes into a detached element, never over the current page.
  const target = h('div', { class: 'page', dataset: { route: name } });
  clear(view()).append(target);
  if (!page) { target.append(empty(`No page “${name}”.`)); return; }
  if (!page[1]()) { target.append(h('div', { class: 'bad', testid: 'forbidden' }, 'Your roles do not give access to this page.')); return; }
  target.append(h('p', { class: 'muted' }, 'Loading…'));
  try {
    const cleanup = await page[2](params, rest, target);
    if (typeof cleanup === 'function') {
      if (target.isConnected) state.cleanup = cleanup; else cleanup();
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    if (!target.isConnected) return;
    clear(target).append(errorBox(error));
    showBanner(error.message);
  }
}

// ---------- session ----------

async function start() {
  setUnauthorizedHandler((error) => lock(`Your session has locked or expired (${error.message}). Sign on again to continue.`));
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', route);
  try {
    state.me = await api('/api/me', { quiet401: true });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) state.lockMessage = null;
    return renderLogon();
  }
  enterApp();
}

function lock(message) {
  if (!state.me && document.querySelector('[data-testid=logon-form]')) return;
  state.me = null;
  state.lockMessage = message;
  stopEvents();
  renderLogon();
}

async function renderLogon() {
  document.getElementById('top').hidden = true;
  document.getElementById('nav').hidden = true;
  showBanner(null);
  const target = clear(view());
  const noticeBox = h('div', { class: 'notice system-notice', testid: 'system-notice' }, 'Loading the system-use notice…');
  const ack = h('input', { type: 'checkbox', id: 'ack', testid: 'notice-ack' });
  const user = h('input', { id: 'user', name: 'user', autocomplete: 'username', testid: 'logon-user', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', testid: 'logon-password', required: true });
  const totp = h('input', { id: 'totp', name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code', placeholder: 'if your account has one', testid: 'logon-totp' });
  const submit = h('button', { type: 'submit', testid: 'logon-submit', disabled: true }, 'Sign on');
  const message = h('div', { testid: 'logon-error' });
  ack.addEventListener('change', () => { submit.disabled = !ack.checked; });
  const form = h('form', { class: 'panel', testid: 'logon-form' },
    h('h1', null, 'Interdict — sign on'),
    state.lockMessage ? h('div', { class: 'lock-msg', testid: 'lock-message' }, state.lockMessage) : null,
    h('h3', null, 'System-use notice'),
    noticeBox,
    h('p', null, h('label', null, ack, ' I have read and accept the system-use notice.')),
    h('div', { class: 'form-grid' },
      h('label', { for: 'user' }, 'User'), user,
      h('label', { for: 'password' }, 'Password'), password,
      h('label', { for: 'totp' }, 'Second factor'), totp),
    h('p', null, submit),
    message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(message);
    if (!ack.checked) { message.append(h('div', { class: 'bad' }, 'Acknowledge the system-use notice first.')); return; }
    submit.disabled = true;
    try {
      const body = { user: user.value.trim(), password: password.value };
      if (totp.value.trim()) body.totp = totp.value.trim();
      const me = await api('/api/session', { method: 'POST', body, quiet401: true });
      state.me = me && me.me ? me.me : me;
      state.lockMessage = null;
      enterApp();
    } catch (error) {
      message.append(errorBox(error));
      submit.disabled = !ack.checked;
    }
  });
  target.append(h('div', { class: 'logon' }, form));
  user.focus();
  try {
    const notice = await api('/api/notice', { quiet401: true });
    noticeBox.textContent = notice.notice;
  } catch (error) {
    clear(noticeBox).append(errorBox(error));
  }
}

async function signOff() {
  try { await api('/api/session', { method: 'DELETE', quiet401: true }); } catch { /* already gone */ }
  state.me = null;
  state.lockMessage = 'You have signed off.';
  stopEvents();
  location.hash = '#/';
  renderLogon();
}

function enterApp() {
  renderShell();
  startEvents();
  route();
}

function renderShell() {
  const me = state.me;
  const top = clear(document.getElementById('top'));
  const search = h('input', { type: 'search', id: 'global-search', testid: 'global-search', placeholder: 'Search (press /)', 'aria-label': 'Search' });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && search.value.trim()) location.hash = `#/search${query({ q: search.value.trim() })}`;
    if (event.key === 'Escape') search.blur();
  });
  const badge = h('span', { class: 'badge', testid: 'alert-badge', hidden: true }, '0');
  top.append(
    h('span', { class: 'brand' }, 'INTERDICT'),
    can('records') ? search : h('span', { class: 'spacer' }),
    h('span', { class: 'spacer' }),
    h('a', { href: '#/alerts', style: 'color:#fff', testid: 'alerts-link' }, 'Alerts ', badge),
    h('span', { class: 'who', testid: 'me' },
      h('b', { testid: 'me-user' }, me.display_name || me.user), ` (${me.user}) · `,
      h('span', { testid: 'me-agency' }, me.agency_name ? `${me.agency_name} [${me.agency}]` : me.agency), ' · ',
      h('span', { testid: 'me-roles' }, (me.roles || []).join(', '))),
    h('button', { testid: 'signoff', onclick: signOff }, 'Sign off'));
  top.hidden = false;
  const nav = clear(document.getElementById('nav'));
  for (const [name, [title, visible]] of Object.entries(PAGES)) {
    if (!title || !visible()) continue;
    nav.append(h('a', { href: `#/${name}`, dataset: { route: name }, testid: `nav-${name}` }, title));
  }
  nav.hidden = false;
  updateBadge();
}

function onKey(event) {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement && document.activeElement.tagName);
  if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey) {
    const search = document.getElementById('global-search');
    if (search) { event.preventDefault(); search.focus(); search.select(); }
  }
}

// ---------- alerts (live) ----------

function updateBadge() {
  const badge = document.querySelector('[data-testid=alert-badge]');
  if (!badge) return;
  badge.textContent = String(state.unread);
  badge.hidden = state.unread === 0;
}

function startEvents() {
  stopEvents();
  if (typeof EventSource === 'undefined') return;
  const events = new EventSource('/api/alerts/stream', { withCredentials: true });
  events.addEventListener('alert', (event) => {
    let alert;
    try { alert = JSON.parse(event.data); } catch { return; }
    if (parseHash().route === 'alerts' && state.alertsList) {
      const list = state.alertsList;
      const emptyNote = list.querySelector('[data-testid=empty]');
      if (emptyNote) emptyNote.remove();
      list.prepend(alertItem(alert, true));
    } else {
      state.unread += 1;
      updateBadge();
    }
  });
  state.events = events;
}

function stopEvents() {
  if (state.events) { state.events.close(); state.events = null; }
}

function alertItem(alert, fresh) {
  return h('div', { class: `alert-item${fresh ? ' fresh' : ''}`, testid: 'alert', dataset: { kind: alert.kind, id: alert.id } },
    h('div', null, h('span', { class: 'tag role' }, alert.kind), ' ', h('b', null, alert.summary)),
    h('div', { class: 'small muted' }, fmtTime(alert.at), ' · to ', alert.agency,
      alert.other_agency ? ` · other agency: ${alert.other_agency}` : '',
      alert.contact ? ` · contact: ${alert.contact}` : ''));
}

async function renderAlerts(_params, _rest, target) {
  const alerts = await api('/api/alerts?limit=200');
  state.unread = 0;
  updateBadge();
  const list = h('div', { testid: 'alerts-list', class: 'panel', style: 'padding:0' });
  if (!alerts.length) list.append(empty('No alerts yet. New ones appear here as they arrive.'));
  alerts.forEach((alert) => list.append(alertItem(alert, false)));
  state.alertsList = list;
  clear(target).append(h('h1', null, 'Alerts'), h('p', { class: 'muted small' }, 'Live: new alerts are added at the top as they arrive.'), list);
  return () => { state.alertsList = null; };
}

// ---------- home ----------

async function renderHome(_params, _rest, target) {
  const status = await api('/api/status');
  const me = state.me;
  clear(target).append(
    h('h1', null, `Welcome, ${me.display_name || me.user}`),
    h('div', { class: 'panel', testid: 'status' },
      h('div', null, `Backend ${status.backend} · ${fmtNumber(status.nodes)} nodes · ${fmtNumber(status.links)} links · loaded ${fmtTime(status.loaded_at)}`),
      h('h3', null, 'Records you may read, by kind'),
      table([{ title: 'Kind', cell: (row) => row.value }, { title: 'Records', num: true, cell: (row) => count(row.count) }], status.records_by_kind || [], { empty: 'No records you may read.' })),
    h('div', { class: 'panel small muted' }, 'Keys: ', h('span', { class: 'kbd' }, '/'), ' search · ', h('span', { class: 'kbd' }, 'Enter'), ' run search · ', h('span', { class: 'kbd' }, 'Esc'), ' leave a field.',
      ` Session locks after ${Math.round((me.idle_timeout_seconds || 0) / 60)} min idle.`));
}

// ---------- search ----------

async function renderSearch(params, _rest, target) {
  const raw = parseHash().raw;
  const q = raw.get('q') || '';
  const kinds = raw.getAll('kind');
  const agencies = raw.getAll('agency');
  const box = h('input', { type: 'search', value: q, testid: 'search-input', placeholder: 'name, phone, identifier…', style: 'width:320px' });
  const go = (next) => { location.hash = `#/search${query(next)}`; };
  const form = h('form', { class: 'toolbar' }, box, h('button', { type: 'submit', testid: 'search-submit' }, 'Search'));
  form.addEventListener('submit', (event) => { event.preventDefault(); go({ q: box.value.trim(), kind: kinds, agency: agencies }); });
  const header = [h('h1', null, 'Search'), form];
  const global = document.getElementById('global-search');
  if (global) global.value = q;
  if (!q) { clear(target).append(...header, empty('Type words to search: every word must match (the last as a prefix).')); box.focus(); return; }
  const result = await api(`/api/search${query({ q, kind: kinds, agency: agencies, limit: params.limit || 100 })}`);
  const facetList = (name, values, selected) => h('ul', { testid: `facet-${name}` }, values.map((facet) => {
    const checkbox = h('input', { type: 'checkbox', checked: selected.includes(facet.value), testid: `facet-${name}-${facet.value}` });
    checkbox.addEventListener('change', () => {
      const next = checkbox.checked ? [...selected, facet.value] : selected.filter((value) => value !== facet.value);
      go({ q, kind: name === 'kind' ? next : kinds, agency: name === 'agency' ? next : agencies });
    });
    return h('li', { dataset: { value: facet.value } }, h('label', null, checkbox, h('span', { class: 'facet-value' }, facet.value), h('span', { class: 'count' }, count(facet.count))));
  }));
  const facets = h('aside', { class: 'facets panel' },
    h('h3', null, 'Kind'), result.facets.kind.length ? facetList('kind', result.facets.kind, kinds) : h('p', { class: 'muted small' }, 'none'),
    h('h3', null, 'Agency'), result.facets.agency.length ? facetList('agency', result.facets.agency, agencies) : h('p', { class: 'muted small' }, 'none'));
  const pointers = h('div', { testid: 'pointers' }, (result.pointers || []).map(pointerNotice));
  const hits = table([
    { title: 'Entity', cell: (hit) => entityLink(hit.node, hit.label) },
    { title: 'Kind', cell: (hit) => hit.kind },
    { title: 'Agencies', cell: (hit) => tags(hit.agencies) },
    { title: 'Records', num: true, cell: (hit) => hit.records },
    { title: 'Matched', cell: (hit) => h('span', { class: 'small' }, hit.matched.join('; ')) },
  ], result.hits, { testid: 'search-results', rowTestid: 'search-hit', empty: `No results for “${q}” that you may read.`, emptyTestid: 'search-empty' });
  clear(target).append(...header,
    h('p', { class: 'muted small', testid: 'search-total' }, `${result.total} matching entit${result.total === 1 ? 'y' : 'ies'}${result.hits.length < result.total ? `, showing ${result.hits.length}` : ''}.`),
    h('div', { class: 'row' }, facets, h('div', { class: 'grow' }, pointers, hits)));
}

// ---------- entity profile ----------

function valueText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

async function renderEntity(params, node, target) {
  if (!node) { clear(target).append(empty('No entity given.')); return; }
  const profile = await api(`/api/entities/${encodeURIComponent(node)}`);
  const pathTo = h('input', { placeholder: 'other node id', testid: 'path-to', style: 'width:220px' });
  const pathButton = h('button', { class: 'secondary', testid: 'find-path', onclick: () => {
    if (pathTo.value.trim()) location.hash = `#/chart/${encodeURIComponent(profile.node)}${query({ path: pathTo.value.trim() })}`;
    else pathTo.focus();
  } }, 'Find path to…');
  const records = table([
    { title: 'Kind', cell: (record) => record.kind },
    { title: 'Values', cell: (record) => h('div', null,
      Object.entries(record.properties || {}).map(([key, value]) => h('div', { class: 'small' }, h('b', null, key), ': ', valueText(value))),
      (record.redacted || []).map((key) => h('div', { class: 'small', testid: 'withheld' }, h('b', null, key), ': ', h('span', { class: 'withheld' }, 'withheld')))) },
    { title: 'Provenance', cell: (record) => h('div', { class: 'small' },
      h('div', null, h('b', null, record.agency), ' · feed ', record.feed),
      h('div', null, 'source id ', h('span', { class: 'mono' }, record.source_record_id)),
      h('div', { class: 'muted' }, 'batch ', h('span', { class: 'mono' }, String(record.batch).slice(0, 16))),
      record.reported_at ? h('div', { class: 'muted' }, 'reported ', fmtTime(record.reported_at)) : null) },
    { title: 'Labels', cell: (record) => h('div', { class: 'small' },
      h('span', { class: 'tag sens' }, record.sensitivity), tags(record.caveats),
      h('div', null, record.data_class),
      record.part23 ? h('div', null, 'Part 23: ', h('b', null, record.part23)) : null,
      record.criminal_predicate ? h('div', { class: 'muted' }, 'predicate: ', record.criminal_predicate) : null,
      record.review_by ? h('div', { class: 'muted' }, 'review by ', record.review_by) : null) },
  ], profile.records, { testid: 'records', rowTestid: 'record', empty: 'No records you may read.' });
  const neighbours = table([
    { title: 'Neighbour', cell: (item) => entityLink(item.node, item.label) },
    { title: 'Kind', cell: (item) => item.kind },
    { title: 'Relations', cell: (item) => item.relations.join(', ') },
    { title: 'Count', num: true, cell: (item) => item.count },
    { title: 'Weight', num: true, cell: (item) => fmtNumber(item.weight, 2) },
  ], profile.neighbours, { testid: 'neighbours', rowTestid: 'neighbour', empty: 'No neighbours you may see.' });
  const role = profile.role;
  const resolution = profile.resolution;
  add(clear(target),
    h('h1', { testid: 'entity-title' }, profile.label, ' ', h('span', { class: 'muted small' }, `${profile.kind} · ${profile.node}`)),
    h('div', { class: 'toolbar' },
      h('a', { class: 'button', href: `#/chart/${encodeURIComponent(profile.node)}`, testid: 'open-chart' }, 'Link chart'),
      pathTo, pathButton, can('operations') ? watchButton(profile) : null),
    h('div', { class: 'row' },
      h('div', { class: 'panel grow', testid: 'analytics' },
        h('div', null, 'Ring: ', profile.ring === null || profile.ring === undefined ? h('span', { class: 'muted' }, 'none') : h('a', { href: '#/rings', testid: 'ring' }, `#${profile.ring}`)),
        h('div', null, 'Key-player score: ', profile.key_player_score === null || profile.key_player_score === undefined ? h('span', { class: 'muted' }, '—') : fmtNumber(profile.key_player_score, 3)),
        h('div', { testid: 'role' }, 'Role: ', role && role.role ? h('span', { class: 'tag role' }, role.role) : h('span', { class: 'muted' }, 'none inferred'),
          role && role.role ? ` (score ${fmtNumber(role.score, 2)})` : '',
          role && role.reasons && role.reasons.length ? h('ul', { class: 'small' }, role.reasons.map((reason) => h('li', null, reason))) : null)),
      h('div', { class: 'grow', testid: 'entity-pointers' }, (profile.pointers || []).map(pointerNotice))),
    h('h2', null, `Records (${profile.records.length})`), records,
    h('h2', null, `Neighbours (${profile.neighbours.length})`), neighbours,
    resolution ? [h('h2', null, 'Resolution evidence', h('span', { class: 'muted small' }, resolution.run ? ` · run ${resolution.run}` : '')),
      table([
        { title: 'Left', cell: (pair) => h('span', { class: 'mono' }, String(pair.left).slice(0, 16)) },
        { title: 'Right', cell: (pair) => h('span', { class: 'mono' }, String(pair.right).slice(0, 16)) },
        { title: 'Decision', cell: (pair) => h('span', { class: 'tag' }, pair.role) },
        { title: 'Weight', num: true, cell: (pair) => fmtNumber(pair.weight, 2) },
        { title: 'Probability', num: true, cell: (pair) => fmtNumber(pair.probability, 3) },
        { title: 'Per-field evidence', cell: (pair) => (pair.evidence === null || pair.evidence === undefined ? h('span', { class: 'muted small' }, 'no per-field evidence stored for this pair') : jsonView(pair.evidence)) },
        { title: '', cell: (pair) => (pair.role === 'link' || pair.role === 'judged' ? h('button', { class: 'secondary', testid: 'not-same', onclick: async (event) => {
          try { const stored = await judgePair(pair.left, pair.right, false); if (stored) event.target.replaceWith(h('span', { class: 'small' }, `judgement ${stored.id}: takes effect at the next resolution run`)); } catch (error) { showBanner(error.message); }
        } }, 'Not the same person') : null) },
      ], resolution.pairs, { testid: 'resolution', empty: 'A single record: nothing was compared.' })] : null);
}

// ---------- rings, key players, trace ----------

async function renderRings(_params, _rest, target) {
  const rings = await api('/api/rings');
  clear(target).append(h('h1', null, `Rings (${rings.length})`),
    table([
      { title: 'Ring', cell: (ring) => h('b', null, `#${ring.community}`) },
      { title: 'Members (by key-player score)', cell: (ring) => h('div', null, ring.members.slice(0, 12).map((member) => h('div', { class: 'small' },
        entityLink(member.node, member.label), member.role ? [' ', h('span', { class: 'tag role' }, member.role)] : null,
        member.key_player_score !== null && member.key_player_score !== undefined ? h('span', { class: 'muted' }, ` ${fmtNumber(member.key_player_score, 2)}`) : null)),
        ring.members.length > 12 ? h('div', { class: 'muted small' }, `… and ${ring.members.length - 12} more`) : null) },
      { title: 'Nodes', num: true, cell: (ring) => ring.nodes },
      { title: 'Roles', cell: (ring) => h('span', { class: 'small' }, Object.entries(ring.roles || {}).map(([role, n]) => `${role} ${n}`).join(', ')) },
      { title: 'Agencies', cell: (ring) => tags(ring.agencies) },
      { title: 'Seizures', num: true, cell: (ring) => `${ring.seizures} (${fmtNumber(ring.seized_grams / 1000, 1)} kg)` },
      { title: 'Overdoses', num: true, cell: (ring) => ring.overdoses },
      { title: 'Money inside / in-out', num: true, cell: (ring) => `$${fmtNumber(ring.money_internal)} / $${fmtNumber(ring.money_external)}` },
    ], rings, { testid: 'rings', rowTestid: 'ring-row', empty: 'No rings found in the data you may see.' }));
}

async function renderKeyPlayers(params, _rest, target) {
  const top = params.top || 50;
  const players = await api(`/api/key-players${query({ top })}`);
  clear(target).append(h('h1', null, 'Key players'),
    table([
      { title: '#', num: true, cell: (player) => player.rank },
      { title: 'Entity', cell: (player) => entityLink(player.node, player.label) },
      { title: 'Kind', cell: (player) => player.kind },
      { title: 'Score', num: true, cell: (player) => fmtNumber(player.score, 3) },
      { title: 'Ring', cell: (player) => player.ring === null || player.ring === undefined ? '' : `#${player.ring}` },
      { title: 'Role', cell: (player) => player.role ? h('span', { class: 'tag role' }, player.role) : '' },
      { title: 'Why', cell: (player) => h('ul', { class: 'small', style: 'margin:0;padding-left:16px' }, player.reasons.map((reason) => h('li', null, reason))) },
      { title: '', cell: (player) => h('a', { href: `#/chart/${encodeURIComponent(player.node)}` }, 'chart') },
    ], players, { testid: 'key-players', rowTestid: 'key-player', empty: 'No key players ranked.' }));
}

async function renderTrace(params, _rest, target) {
  const overdoses = await api('/api/overdoses?limit=500');
  const select = h('select', { testid: 'overdose-select' }, h('option', { value: '' }, '— pick an overdose —'),
    overdoses.map((node) => h('option', { value: node.id, selected: node.id === params.overdose }, `${node.label} (${node.id})`)));
  select.addEventListener('change', () => { location.hash = `#/trace${query({ overdose: select.value })}`; });
  const result = h('div', { testid: 'trace-result' });
  clear(target).append(h('h1', null, 'Overdose trace'), h('div', { class: 'toolbar' }, select), result);
  if (!overdoses.length) { result.append(empty('No overdose incidents you may see.')); return; }
  if (!params.overdose) { result.append(empty('Pick an overdose to trace it back to seizures and suppliers.')); return; }
  const trace = await api(`/api/trace/${encodeURIComponent(params.overdose)}`);
  add(result,
    h('div', { class: 'panel' }, h('b', null, 'Product features: '), trace.product_features.length ? tags(trace.product_features) : h('span', { class: 'muted' }, 'none recorded'),
      h('div', { class: 'small muted' }, 'Records: ', trace.overdose_records.map((record) => `${record.agency}/${record.feed} ${record.source_record_id}`).join('; '))),
    trace.candidates.length ? trace.candidates.map((candidate) => h('div', { class: 'panel', testid: 'trace-candidate' },
      h('h3', null, `#${candidate.rank} `, entityLink(candidate.seizure, candidate.label), ` — score ${fmtNumber(candidate.score, 3)}`,
        h('span', { class: 'muted small' }, `${candidate.distance_km !== null && candidate.distance_km !== undefined ? ` · ${fmtNumber(candidate.distance_km, 1)} km` : ''}${candidate.days_apart !== null && candidate.days_apart !== undefined ? ` · ${fmtNumber(candidate.days_apart, 0)} days apart` : ''}`)),
      h('div', null, 'Shared: ', tags(candidate.shared_features)),
      h('ul', { class: 'small' }, candidate.reasons.map((reason) => h('li', null, reason))),
      candidate.people.length ? table([
        { title: 'Person', cell: (person) => h('div', null, entityLink(person.node, person.label), person.role ? [' ', h('span', { class: 'tag role' }, person.role)] : null) },
        { title: 'Hops from seizure', cell: (person) => hopsView(person.hops) },
        { title: 'Upstream', cell: (person) => person.upstream.length ? h('div', null, person.upstream.map((actor) => h('details', null,
          h('summary', null, entityLink(actor.node, actor.label), ' ', h('span', { class: 'tag role' }, actor.role), ` ${fmtNumber(actor.score, 2)} — ${actor.reason}`),
          hopsView(actor.hops)))) : h('span', { class: 'muted' }, 'none found') },
      ], candidate.people) : h('div', { class: 'muted' }, 'No people linked to this seizure.')))
      : empty('No seizure shares a product feature with this overdose.'));
}

// ---------- operations ----------

function isoLocal(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

async function renderOperations(_params, _rest, target) {
  const now = new Date(Date.now() + 24 * 3600e3);
  const later = new Date(now.getTime() + 4 * 3600e3);
  const field = (name, attrs) => h('input', Object.assign({ name, id: `op-${name}`, testid: `op-${name}` }, attrs));
  const inputs = {
    name: field('name', { required: true, placeholder: 'Operation name' }),
    latitude: field('latitude', { type: 'number', step: 'any', required: true, value: '34.0522' }),
    longitude: field('longitude', { type: 'number', step: 'any', required: true, value: '-118.2437' }),
    radius_m: field('radius', { type: 'number', step: 'any', min: '1', required: true, value: '500' }),
    starts_at: field('start', { type: 'datetime-local', required: true, value: isoLocal(now) }),
    ends_at: field('end', { type: 'datetime-local', required: true, value: isoLocal(later) }),
    targets: field('targets', { placeholder: 'P-…, node or record ids, comma-separated' }),
    contact_name: field('contact-name', { required: true, value: state.me.display_name || state.me.user }),
    contact_phone: field('contact-phone', { required: true, placeholder: '+1 555 …' }),
    case: field('case', { placeholder: 'optional', list: 'case-list' }),
  };
  const result = h('div', { testid: 'op-result' });
  const submit = h('button', { type: 'submit', testid: 'op-submit' }, 'Register and check');
  const form = h('form', { class: 'panel', testid: 'op-form' },
    h('div', { class: 'form-grid' },
      h('label', null, 'Name'), inputs.name,
      h('label', null, 'Latitude'), inputs.latitude,
      h('label', null, 'Longitude'), inputs.longitude,
      h('label', null, 'Radius (m)'), inputs.radius_m,
      h('label', null, 'Start (UTC)'), inputs.starts_at,
      h('label', null, 'End (UTC)'), inputs.ends_at,
      h('label', null, 'Targets'), inputs.targets,
      h('label', null, 'Contact name'), inputs.contact_name,
      h('label', null, 'Contact phone'), inputs.contact_phone,
      h('label', null, 'Case'), inputs.case),
    h('p', null, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(result);
    const toIso = (value) => (value.length === 16 ? `${value}:00Z` : `${value}Z`);
    const body = {
      name: inputs.name.value.trim(),
      latitude: Number(inputs.latitude.value),
      longitude: Number(inputs.longitude.value),
      radius_m: Number(inputs.radius_m.value),
      starts_at: toIso(inputs.starts_at.value),
      ends_at: toIso(inputs.ends_at.value),
      targets: inputs.targets.value.split(',').map((value) => value.trim()).filter(Boolean),
      contact_name: inputs.contact_name.value.trim(),
      contact_phone: inputs.contact_phone.value.trim(),
      case: inputs.case.value.trim() || null,
    };
    submit.disabled = true;
    try {
      const answer = await api('/api/operations', { method: 'POST', body });
      result.append(h('div', { class: 'panel' }, h('div', null, 'Registered operation ', h('span', { class: 'mono', testid: 'op-id' }, answer.operation)),
        answer.conflicts.length
          ? [h('div', { class: 'bad', testid: 'op-conflicts' }, `${answer.conflicts.length} conflict${answer.conflicts.length === 1 ? '' : 's'}: coordinate before you act.`),
            table([
              { title: 'Other agency', cell: (conflict) => conflict.other_agency },
              { title: 'Contact', cell: (conflict) => `${conflict.contact_name} ${conflict.contact_phone}` },
              { title: 'Overlap', cell: (conflict) => conflict.overlap },
            ], answer.conflicts, { testid: 'conflicts', rowTestid: 'conflict' })]
          : h('div', { class: 'ok', testid: 'op-no-conflicts' }, 'No conflicts with registered operations.')));
    } catch (error) {
      result.append(errorBox(error));
    } finally {
      submit.disabled = false;
    }
  });
  const caseList = h('datalist', { id: 'case-list' }, (state.me.cases || []).map((id) => h('option', { value: id })));
  clear(target).append(h('h1', null, 'Register a planned operation'),
    h('p', { class: 'muted small' }, 'Other agencies with overlapping operations are told whom to call — never your targets, place or name.'),
    h('div', { class: 'row' }, h('div', { class: 'grow' }, form, caseList), h('div', { class: 'grow' }, result)));
}

// ---------- audit ----------

async function renderAudit(params, _rest, target) {
  const limit = Number(params.limit || 50);
  const entries = await api(`/api/audit${query({ limit, before: params.before })}`);
  const verifyResult = h('span', { testid: 'verify-result' });
  const verify = h('button', { testid: 'verify-chain', onclick: async () => {
    clear(verifyResult).append('Verifying…');
    try {
      const answer = await api('/api/audit/verify');
      clear(verifyResult).append(h('span', { class: answer.ok ? 'ok' : 'bad' }, answer.ok ? `Chain OK — ${answer.entries} entries. ${answer.message}` : `Chain BROKEN: ${answer.message}`));
    } catch (error) {
      clear(verifyResult).append(errorBox(error));
    }
  } }, 'Verify chain');
  const oldest = entries.length ? entries[entries.length - 1].sequence : null;
  const newest = entries.length ? entries[0].sequence : null;
  const pager = h('div', { class: 'toolbar' },
    params.before ? h('a', { class: 'button secondary', href: '#/audit', testid: 'audit-newest' }, 'Newest') : null,
    params.before ? h('a', { class: 'button secondary', href: `#/audit${query({ before: Number(newest) + limit + 1 })}` }, '← Newer') : null,
    entries.length === limit && oldest > 1 ? h('a', { class: 'button secondary', href: `#/audit${query({ before: oldest })}`, testid: 'audit-older' }, 'Older →') : null,
    h('span', { class: 'muted small' }, entries.length ? `entries ${oldest}–${newest}` : ''));
  clear(target).append(h('h1', null, 'Audit log'), h('div', { class: 'toolbar' }, verify, verifyResult), pager,
    table([
      { title: '#', num: true, cell: (entry) => entry.sequence },
      { title: 'When', cell: (entry) => h('span', { class: 'small' }, fmtTime(entry.recorded_at)) },
      { title: 'Actor', cell: (entry) => `${entry.actor} (${entry.actor_agency})` },
      { title: 'Action', cell: (entry) => h('span', { class: 'tag' }, typeof entry.action === 'object' ? JSON.stringify(entry.action) : entry.action) },
      { title: 'Target', cell: (entry) => h('span', { class: 'small mono', style: 'word-break:break-all' }, entry.target) },
      { title: 'Reason / case', cell: (entry) => h('span', { class: 'small' }, entry.reason, entry.case_number ? ` [case ${entry.case_number}]` : '') },
      { title: 'Source', cell: (entry) => h('span', { class: 'small' }, entry.source) },
      { title: 'Outcome', cell: (entry) => typeof entry.outcome === 'object' ? JSON.stringify(entry.outcome) : entry.outcome },
      { title: 'Hash', cell: (entry) => h('span', { class: 'mono small', title: entry.hash }, String(entry.hash).slice(0, 12)) },
    ], entries, { testid: 'audit-table', rowTestid: 'audit-entry', empty: 'The audit log is empty.' }));
}

// ---------- admin ----------

async function renderAdmin(_params, _rest, target) {
  const [users, agencies, cases] = await Promise.all([api('/api/users'), api('/api/agencies'), api('/api/cases').catch(() => [])]);
  const message = h('div', { testid: 'admin-message' });
  const f = (name, attrs = {}) => h('input', Object.assign({ name, testid: `user-${name}` }, attrs));
  const inputs = { id: f('id', { required: true }), agency: f('agency', { required: true, list: 'agency-list' }), display_name: f('display_name', { required: true }),
    roles: f('roles', { placeholder: 'analyst, investigator, …' }), clearance: f('clearance', { value: 'sensitive' }), caveats: f('caveats', { placeholder: 'comma-separated' }),
    password: f('password', { type: 'password', placeholder: 'required for a new account' }) };
  const split = (value) => value.split(',').map((item) => item.trim()).filter(Boolean);
  const fill = (user) => {
    inputs.id.value = user.id; inputs.agency.value = user.agency; inputs.display_name.value = user.display_name;
    inputs.roles.value = user.roles.join(', '); inputs.clearance.value = user.clearance; inputs.caveats.value = user.caveats.join(', ');
    inputs.password.value = '';
    inputs.id.focus();
  };
  const form = h('form', { class: 'panel', testid: 'user-form' }, h('h3', null, 'Add or update a user'),
    h('div', { class: 'form-grid' }, ...Object.entries(inputs).flatMap(([key, input]) => [h('label', null, key.replace('_', ' ')), input])),
    h('p', null, h('button', { type: 'submit', testid: 'user-save' }, 'Save')), message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(message);
    const body = { id: inputs.id.value.trim(), agency: inputs.agency.value.trim(), display_name: inputs.display_name.value.trim(), roles: split(inputs.roles.value),
      clearance: inputs.clearance.value.trim(), caveats: split(inputs.caveats.value) };
    if (inputs.password.value) body.password = inputs.password.value;
    try {
      await api(`/api/users/${encodeURIComponent(body.id)}`, { method: 'PUT', body });
      route();
    } catch (error) { message.append(errorBox(error)); }
  });
  const usersTable = table([
    { title: 'User', cell: (user) => h('a', { href: '#/admin', onclick: (event) => { event.preventDefault(); fill(user); } }, user.id) },
    { title: 'Name', cell: (user) => user.display_name },
    { title: 'Agency', cell: (user) => user.agency },
    { title: 'Roles', cell: (user) => tags(user.roles, 'role') },
    { title: 'Clearance', cell: (user) => user.clearance },
    { title: 'Caveats', cell: (user) => tags(user.caveats) },
    { title: '2FA', cell: (user) => (user.second_factor ? 'yes' : 'no') },
    { title: 'State', cell: (user) => [user.locked ? h('span', { class: 'tag sens' }, 'locked') : null, user.disabled ? h('span', { class: 'tag' }, 'disabled') : null, !user.locked && !user.disabled ? 'active' : null] },
    { title: '', cell: (user) => user.locked ? h('button', { class: 'secondary', testid: 'unlock', onclick: async () => {
      try { await api(`/api/users/${encodeURIComponent(user.id)}/unlock`, { method: 'POST' }); route(); } catch (error) { showBanner(error.message); }
    } }, 'Unlock') : null },
  ], users, { testid: 'users', rowTestid: 'user-row', empty: 'No users.' });
  clear(target).append(h('h1', null, 'Administration'),
    h('div', { class: 'row' },
      h('div', { class: 'grow' }, h('h2', null, `Users (${users.length})`), usersTable),
      h('div', { style: 'width:420px' }, form, h('datalist', { id: 'agency-list' }, agencies.map((agency) => h('option', { value: agency.id }))))),
    await renderDirectoryAdmin({ agencies, refresh: route, banner: showBanner }),
    h('h2', null, 'Cases'),
    table([{ title: 'Id', cell: (item) => h('a', { href: `#/cases/${encodeURIComponent(item.id)}` }, item.id) }, { title: 'Agency', cell: (item) => item.agency }, { title: 'Title', cell: (item) => item.title },
      { title: 'Members', cell: (item) => (item.members || []).join(', ') }, { title: 'Created', cell: (item) => `${item.created_by || ''} ${fmtTime(item.created_at)}` }], cases, { testid: 'cases', empty: 'No cases.' }));
}

start();
