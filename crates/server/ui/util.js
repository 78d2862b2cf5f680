// Shared helpers: DOM building, the API client, formatting.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Called with the error when the API answers 401 outside log-on (idle lock, expiry).
let onUnauthorized = null;
export function setUnauthorizedHandler(handler) { onUnauthorized = handler; }

export async function api(path, options = {}) {
  const init = { method: options.method || 'GET', credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (options.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, 'network', `The server cannot be reached (${error.message}).`);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!response.ok) {
    const message = data && typeof data === 'object' && data.error ? data.error : `${response.status} ${response.statusText}`;
    const code = data && typeof data === 'object' && data.code ? data.code : `http_${response.status}`;
    const error = new ApiError(response.status, code, message);
    if (response.status === 401 && !options.quiet401 && onUnauthorized) onUnauthorized(error);
    throw error;
  }
  return data;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((item) => search.append(key, item));
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

// h('div', {class: 'x', onclick: fn, dataset: {testid: 'y'}}, child, 'text', [more])
export function h(tag, attrs, ...children) {
  const svg = tag.startsWith('svg:');
  const element = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
      else if (key === 'testid') element.setAttribute('data-testid', value);
      else if (key === 'dataset') Object.assign(element.dataset, value);
      else if (key === 'class') element.setAttribute('class', value);
      else if (key === 'text') element.textContent = value;
      else if (!svg && (key === 'value' || key === 'checked' || key === 'disabled' || key === 'hidden' || key === 'selected')) element[key] = value;
      else element.setAttribute(key, value === true ? '' : value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else if (child instanceof Node) element.appendChild(child);
    else element.appendChild(document.createTextNode(String(child)));
  }
}

// Appends children like h() does: arrays flattened, null/false skipped.
export function add(element, ...children) {
  append(element, children);
  return element;
}

export function clear(element) {
  while (element.firstChild) element.removeChild(element.firstChild);
  return element;
}

export function count(value) {
  if (value === 'suppressed') return '<11';
  if (value === null || value === undefined) return '';
  return String(value);
}

export function fmtNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '';
  return Number(value).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function fmtTime(value) {
  if (!value) return '';
  const text = String(value);
  return text.replace('T', ' ').replace(/\.\d+/, '').replace(/\+00:00$|Z$/, ' UTC');
}

export function entityLink(node, label) {
  return h('a', { href: `#/entity/${encodeURIComponent(node)}`, class: 'entity-link', dataset: { node } }, label || node);
}

export function empty(message, testid = 'empty') {
  return h('div', { class: 'empty', testid }, message);
}

export function errorBox(error) {
  const message = error instanceof ApiError ? error.message : String(error && error.message ? error.message : error);
  return h('div', { class: 'bad', testid: 'error' }, message, error && error.code ? h('span', { class: 'muted small' }, ` (${error.code})`) : null);
}

export function table(columns, rows, options = {}) {
  if (!rows.length) return empty(options.empty || 'Nothing to show.', options.emptyTestid || 'empty');
  return h('table', { testid: options.testid },
    h('thead', null, h('tr', null, columns.map((column) => h('th', { class: column.num ? 'num' : null }, column.title)))),
    h('tbody', null, rows.map((row) => h('tr', { testid: options.rowTestid },
      columns.map((column) => h('td', { class: column.num ? 'num' : null }, column.cell(row)))))));
}

export function tags(values, className = '') {
  return (values || []).map((value) => h('span', { class: `tag ${className}` }, value));
}

export function pointerNotice(pointer) {
  return h('div', { class: 'notice', testid: 'pointer', dataset: { agency: pointer.agency } },
    h('b', null, `Records held by ${pointer.agency_name || pointer.agency} (${pointer.agency}) match`),
    `: ${pointer.records} record${pointer.records === 1 ? '' : 's'} you may not read. `,
    pointer.contact ? `Contact ${pointer.contact}.` : 'Contact that agency.');
}

// Stable colours for ring numbers and kinds.
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#bcbd22', '#7f7f7f', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173'];
export function ringColour(ring) {
  if (ring === null || ring === undefined) return '#b8c0cc';
  return PALETTE[ring % PALETTE.length];
}
const KIND_COLOURS = { Seizure: '#d62728', OverdoseIncident: '#9467bd', Operation: '#1f77b4', Arrest: '#ff7f0e' };
export function kindColour(kind) {
  if (KIND_COLOURS[kind]) return KIND_COLOURS[kind];
  let hash = 0;
  for (const char of String(kind)) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

// Renders an arbitrary JSON value readably (evidence objects).
export function jsonView(value) {
  if (value === null || value === undefined) return h('span', { class: 'muted' }, '—');
  if (Array.isArray(value)) {
    if (!value.length) return h('span', { class: 'muted' }, '(none)');
    if (value.every((item) => typeof item !== 'object' || item === null)) return h('span', null, value.join(', '));
    return h('ul', { class: 'evidence' }, value.map((item) => h('li', null, jsonView(item))));
  }
  if (typeof value === 'object') {
    return h('dl', { class: 'evidence' }, Object.entries(value).map(([key, item]) => [h('dt', null, key.replace(/_/g, ' ')), h('dd', null, jsonView(item))]));
  }
  if (typeof value === 'number') return h('span', { class: 'mono' }, fmtNumber(value, 3));
  return h('span', null, String(value));
}

export function hopsView(hops, labels = new Map()) {
  if (!hops || !hops.length) return h('span', { class: 'muted' }, '(direct)');
  const known = new Map(labels);
  hops.forEach((hop) => { if (hop.to_label) known.set(hop.to, hop.to_label); });
  return h('ol', { class: 'evidence', testid: 'hops' }, hops.map((hop) => h('li', { testid: 'hop' },
    entityLink(hop.from, known.get(hop.from) || hop.from), ' → ', entityLink(hop.to, hop.to_label || hop.to),
    h('ul', null, (hop.links || []).map((link) => h('li', null,
      h('b', null, link.relation), ` (${link.direction}, ×${link.count}, weight ${fmtNumber(link.weight, 2)})`,
      link.evidence && link.evidence.length ? h('div', { class: 'small muted' }, 'evidence: ',
        link.evidence.map((record, index) => [index ? '; ' : '', `${record.agency}/${record.feed} ${record.source_record_id}${record.time ? ' @ ' + fmtTime(record.time) : ''}`])) : null))))));
}
