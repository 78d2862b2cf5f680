// The map: California counties (offline GeoJSON), equirectangular projection, points and county shading.
import { api, query, h, clear, count, fmtTime, empty, kindColour } from './util.js';

let countiesCache = null;
async function counties() {
  if (!countiesCache) {
    const response = await fetch('/assets/counties.geojson', { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`county shapes could not be loaded (${response.status})`);
    countiesCache = await response.json();
  }
  return countiesCache;
}

const LAT0 = 37.2; // centre latitude of California: x is scaled by its cosine
const COS = Math.cos((LAT0 * Math.PI) / 180);
const project = ([lon, lat]) => [lon * COS, -lat];

function ringsOf(geometry) {
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

function pathOf(geometry) {
  return ringsOf(geometry).map((ring) => ring.map((point, index) => {
    const [x, y] = project(point);
    return `${index ? 'L' : 'M'}${x.toFixed(4)},${y.toFixed(4)}`;
  }).join('') + 'Z').join('');
}

export async function renderMap(target, params) {
  const [shapes, data] = await Promise.all([counties(), api(`/api/map${query({ since: params.since, until: params.until })}`)]);
  const kinds = [...new Set([...data.points.map((point) => point.kind), ...data.counties.map((item) => item.kind)])].sort();
  const shadeKind = params.shade && kinds.includes(params.shade) ? params.shade : (kinds.includes('OverdoseIncident') ? 'OverdoseIncident' : kinds[0] || '');

  // bounds
  let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
  for (const feature of shapes.features) for (const ring of ringsOf(feature.geometry)) for (const point of ring) {
    const [x, y] = project(point);
    if (x < minX) minX = x; if (x > maxX) maxX = x; if (y < minY) minY = y; if (y > maxY) maxY = y;
  }
  const pad = 0.2;
  const svg = h('svg:svg', { testid: 'map-svg', viewBox: `${minX - pad} ${minY - pad} ${maxX - minX + 2 * pad} ${maxY - minY + 2 * pad}`, preserveAspectRatio: 'xMidYMid meet' });

  // county values for the shaded kind; suppressed counts shade as the lowest band
  const values = new Map();
  for (const item of data.counties) {
    if (item.kind !== shadeKind) continue;
    const previous = values.get(item.county_fips) || { n: 0, suppressed: false };
    if (item.count === 'suppressed') previous.suppressed = true; else previous.n += Number(item.count) || 0;
    values.set(item.county_fips, previous);
  }
  const max = Math.max(1, ...[...values.values()].map((value) => value.n));
  const shade = (value) => {
    if (!value) return '#f7f9fc';
    const t = value.n ? Math.sqrt(value.n / max) : 0.08;
    const light = 96 - t * 55;
    return `hsl(12, 75%, ${light}%)`;
  };
  const countyLayer = h('svg:g', { class: 'counties' });
  for (const feature of shapes.features) {
    const fips = feature.id || `${feature.properties.STATE}${feature.properties.COUNTY}`;
    const value = values.get(fips);
    countyLayer.append(h('svg:path', { class: 'county', d: pathOf(feature.geometry), fill: shade(value), testid: 'county', dataset: { fips } },
      h('svg:title', null, `${feature.properties.NAME} County${value ? ` — ${shadeKind}: ${value.suppressed && !value.n ? '<11' : value.n + (value.suppressed ? ' (+ <11 suppressed)' : '')}` : ''}`)));
  }
  const pointLayer = h('svg:g', { class: 'points' });
  for (const point of data.points) {
    const [x, y] = project([point.longitude, point.latitude]);
    const dot = h('svg:circle', { class: 'pt', cx: x.toFixed(4), cy: y.toFixed(4), r: point.kind === 'Operation' ? 0.07 : 0.045, fill: kindColour(point.kind), 'fill-opacity': 0.85, testid: 'map-point', dataset: { kind: point.kind, node: point.node } },
      h('svg:title', null, `${point.label} (${point.kind})${point.time ? ' · ' + fmtTime(point.time) : ''}`));
    dot.addEventListener('click', () => { location.hash = `#/entity/${encodeURIComponent(point.node)}`; });
    pointLayer.append(dot);
  }
  svg.append(countyLayer, pointLayer);

  const since = h('input', { type: 'date', value: params.since || '', testid: 'map-since' });
  const until = h('input', { type: 'date', value: params.until || '', testid: 'map-until' });
  const shadeSelect = h('select', { testid: 'map-shade' }, kinds.map((kind) => h('option', { value: kind, selected: kind === shadeKind }, kind)));
  const apply = () => { location.hash = `#/map${query({ since: since.value, until: until.value, shade: shadeSelect.value })}`; };
  const applyButton = h('button', { class: 'secondary', testid: 'map-apply', onclick: apply }, 'Apply');
  shadeSelect.addEventListener('change', apply);

  const pointKinds = [...new Set(data.points.map((point) => point.kind))].sort();
  const countsByKind = (kind) => data.points.filter((point) => point.kind === kind).length;
  const topCounties = [...values.entries()].sort((a, b) => b[1].n - a[1].n).slice(0, 12);
  const names = new Map(shapes.features.map((feature) => [feature.id || `${feature.properties.STATE}${feature.properties.COUNTY}`, feature.properties.NAME]));
  const countyTotals = new Map();
  for (const item of data.counties) {
    const entry = countyTotals.get(item.kind) || { n: 0, suppressed: 0 };
    if (item.count === 'suppressed') entry.suppressed += 1; else entry.n += Number(item.count) || 0;
    countyTotals.set(item.kind, entry);
  }

  clear(target).append(
    h('h1', null, 'Map'),
    h('div', { class: 'toolbar' }, h('label', null, 'since ', since), h('label', null, 'until ', until), applyButton, h('label', null, 'shade counties by ', shadeSelect),
      h('span', { class: 'muted small', testid: 'map-info' }, `${data.points.length} points · ${data.counties.length} county counts`)),
    h('div', { class: 'map-wrap' }, svg,
      h('div', { class: 'panel', style: 'width:280px;flex:none' },
        h('h3', null, 'Points'),
        pointKinds.length ? h('div', { class: 'legend small', testid: 'map-legend' }, pointKinds.map((kind) => h('div', null, h('span', { class: 'sw', style: `background:${kindColour(kind)}` }), `${kind} (${countsByKind(kind)})`)))
          : h('p', { class: 'muted small' }, 'No points you may see (public-health users get county counts only).'),
        h('h3', null, 'County counts by kind'),
        countyTotals.size ? h('div', { class: 'small' }, [...countyTotals.entries()].map(([kind, entry]) => h('div', null, `${kind}: ${entry.n}${entry.suppressed ? ` + ${entry.suppressed} counties <11` : ''}`))) : h('p', { class: 'muted small' }, 'none'),
        h('h3', null, `Top counties — ${shadeKind || 'none'}`),
        topCounties.length ? h('table', { class: 'small' }, h('tbody', null, topCounties.map(([fips, value]) => h('tr', null, h('td', null, names.get(fips) || fips), h('td', { class: 'num' }, value.n ? String(value.n) : count('suppressed'))))))
          : empty('No county counts in this window.'))));
  if (!data.points.length && !data.counties.length) target.append(empty('Nothing to map in this time window.'));
}
