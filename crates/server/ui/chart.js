// The link chart: an SVG with a hand-written force-directed layout.
import { api, query, h, add, clear, fmtNumber, fmtTime, entityLink, empty, errorBox, hopsView, ringColour, tags } from './util.js';

const KEY_PLAYER = 0.75;

export async function renderChart(target, root, params) {
  if (!root) { clear(target).append(empty('Open a link chart from an entity profile.')); return; }
  const chart = {
    root,
    depth: Number(params.depth || 2),
    since: params.since || '',
    until: params.until || '',
    nodes: new Map(),   // id → node (with x, y, vx, vy)
    links: new Map(),   // key → link
    hiddenRelations: new Set(),
    selected: [],
    pathNodes: new Set(),
    pathLinks: new Set(),
    truncated: false,
    alpha: 1,
    frame: null,
    transform: { x: 0, y: 0, k: 1 },
  };

  const svg = h('svg:svg', { testid: 'chart-svg', viewBox: '-500 -320 1000 640', preserveAspectRatio: 'xMidYMid meet' });
  const viewport = h('svg:g', { class: 'viewport' });
  const linkLayer = h('svg:g', { class: 'links' });
  const nodeLayer = h('svg:g', { class: 'nodes' });
  viewport.append(linkLayer, nodeLayer);
  svg.append(viewport);
  const side = h('div', { class: 'chart-side panel', testid: 'chart-side' });
  const relationBox = h('div', { class: 'toolbar small', testid: 'relation-filters' });
  const info = h('span', { class: 'muted small', testid: 'chart-info' });
  const depthSelect = h('select', { testid: 'chart-depth' }, [1, 2, 3].map((depth) => h('option', { value: depth, selected: depth === chart.depth }, `depth ${depth}`)));
  const since = h('input', { type: 'date', value: chart.since, testid: 'chart-since' });
  const until = h('input', { type: 'date', value: chart.until, testid: 'chart-until' });
  const apply = h('button', { class: 'secondary', testid: 'chart-apply' }, 'Apply');
  const pathButton = h('button', { testid: 'chart-find-path', disabled: true }, 'Find path');
  const exportLink = h('a', { class: 'button secondary', testid: 'export-graphml' }, 'Export GraphML');
  const updateExport = () => exportLink.setAttribute('href', `/api/graph/export.graphml${query({ node: root, depth: chart.depth })}`);
  updateExport();
  exportLink.setAttribute('download', `${root}.graphml`);

  clear(target).append(
    h('h1', null, 'Link chart ', entityLink(root, root)),
    h('div', { class: 'toolbar' }, depthSelect, h('label', null, 'since ', since), h('label', null, 'until ', until), apply, pathButton, exportLink, info),
    relationBox,
    h('p', { class: 'muted small' }, 'Click a node to select it; shift-click a second node, then “Find path”. Double-click expands a node. Drag to move nodes; wheel to zoom; drag the background to pan.'),
    h('div', { class: 'chart-wrap' }, svg, side));

  const filters = () => ({ depth: chart.depth, since: chart.since, until: chart.until });

  async function load(replace) {
    info.textContent = 'Loading…';
    const graph = await api(`/api/graph/neighbourhood${query({ node: root, depth: chart.depth, since: chart.since, until: chart.until, limit: 200 })}`);
    if (replace) { chart.nodes.clear(); chart.links.clear(); chart.pathNodes.clear(); chart.pathLinks.clear(); chart.selected = []; }
    merge(graph, null);
    chart.truncated = graph.truncated;
    draw();
    renderSide();
  }

  function merge(graph, around) {
    const anchor = around ? chart.nodes.get(around) : null;
    for (const node of graph.nodes) {
      const existing = chart.nodes.get(node.id);
      if (existing) { Object.assign(existing, node, { x: existing.x, y: existing.y, vx: existing.vx, vy: existing.vy, depth: Math.min(existing.depth, node.depth + (anchor ? anchor.depth : 0)) }); continue; }
      const angle = Math.random() * Math.PI * 2;
      const distance = anchor ? 30 + Math.random() * 40 : 50 + node.depth * 110 + Math.random() * 30;
      chart.nodes.set(node.id, Object.assign({}, node, {
        depth: anchor ? anchor.depth + node.depth : node.depth,
        x: (anchor ? anchor.x : 0) + (node.id === root ? 0 : Math.cos(angle) * distance),
        y: (anchor ? anchor.y : 0) + (node.id === root ? 0 : Math.sin(angle) * distance),
        vx: 0, vy: 0,
      }));
    }
    for (const link of graph.links) {
      const key = [link.source, link.target].sort().join('|') + '|' + link.relation;
      if (!chart.links.has(key)) chart.links.set(key, Object.assign({ key }, link));
    }
    chart.alpha = 1;
  }

  function visibleLinks() {
    return [...chart.links.values()].filter((link) => !chart.hiddenRelations.has(link.relation) && chart.nodes.has(link.source) && chart.nodes.has(link.target));
  }
  function visibleNodes(links) {
    if (!chart.hiddenRelations.size) return [...chart.nodes.values()];
    const seen = new Set([root, ...chart.pathNodes]);
    links.forEach((link) => { seen.add(link.source); seen.add(link.target); });
    return [...chart.nodes.values()].filter((node) => seen.has(node.id));
  }

  function radius(node) {
    const score = node.key_player_score;
    return (node.kind === 'Person' || node.kind === 'Organization' || node.kind === 'Organisation' ? 7 : 5) + (score ? score * 9 : 0) + (node.id === root ? 2 : 0);
  }

  // ---- drawing ----
  let elements = new Map();
  let linkElements = [];
  function draw() {
    const links = visibleLinks();
    const nodes = visibleNodes(links);
    clear(linkLayer); clear(nodeLayer);
    linkElements = links.map((link) => {
      const line = h('svg:line', { class: `link${chart.pathLinks.has(pairKey(link.source, link.target)) ? ' path' : ''}`, 'stroke-width': Math.max(1, Math.min(6, 0.8 + Math.log1p(link.weight || 1))), dataset: { relation: link.relation } },
        h('svg:title', null, `${link.relation} ×${link.count}${link.first ? ` · ${fmtTime(link.first)} → ${fmtTime(link.last)}` : ''}`));
      linkLayer.append(line);
      return { link, line };
    });
    elements = new Map();
    for (const node of nodes) {
      const key = node.key_player_score !== null && node.key_player_score !== undefined && node.key_player_score >= KEY_PLAYER;
      const classes = ['node', key ? 'key' : '', chart.selected.includes(node.id) ? 'selected' : '', chart.pathNodes.has(node.id) ? 'path' : ''].filter(Boolean).join(' ');
      const group = h('svg:g', { class: classes, testid: 'chart-node', dataset: { node: node.id, kind: node.kind } },
        h('svg:circle', { r: radius(node), fill: ringColour(node.ring) }),
        h('svg:text', { x: radius(node) + 3, y: 3 }, truncate(node.label, 28)),
        h('svg:title', null, `${node.label} (${node.kind})${node.role ? ' · ' + node.role : ''}${node.ring !== null && node.ring !== undefined ? ' · ring #' + node.ring : ''}`));
      group.addEventListener('click', (event) => { event.stopPropagation(); if (dragMoved) return; select(node.id, event.shiftKey || event.ctrlKey || event.metaKey); });
      group.addEventListener('dblclick', (event) => { event.stopPropagation(); expand(node.id); });
      group.addEventListener('pointerdown', (event) => startDrag(event, node));
      nodeLayer.append(group);
      elements.set(node.id, group);
    }
    const relations = [...new Set([...chart.links.values()].map((link) => link.relation))].sort();
    add(clear(relationBox), h('b', null, 'Relations: '), relations.map((relation) => {
      const box = h('input', { type: 'checkbox', checked: !chart.hiddenRelations.has(relation), testid: `relation-${relation}` });
      box.addEventListener('change', () => { if (box.checked) chart.hiddenRelations.delete(relation); else chart.hiddenRelations.add(relation); draw(); });
      return h('label', { class: 'tag' }, box, ' ', relation);
    }));
    info.textContent = `${nodes.length} nodes · ${links.length} links${chart.truncated ? ' · truncated by the limit' : ''}`;
    pathButton.disabled = chart.selected.length !== 2;
    position();
    kick();
  }

  function truncate(text, max) { return String(text).length > max ? `${String(text).slice(0, max - 1)}…` : String(text); }
  function pairKey(a, b) { return [a, b].sort().join('|'); }

  function position() {
    for (const { link, line } of linkElements) {
      const a = chart.nodes.get(link.source); const b = chart.nodes.get(link.target);
      line.setAttribute('x1', a.x.toFixed(1)); line.setAttribute('y1', a.y.toFixed(1));
      line.setAttribute('x2', b.x.toFixed(1)); line.setAttribute('y2', b.y.toFixed(1));
    }
    for (const [id, group] of elements) {
      const node = chart.nodes.get(id);
      group.setAttribute('transform', `translate(${node.x.toFixed(1)},${node.y.toFixed(1)})`);
    }
    viewport.setAttribute('transform', `translate(${chart.transform.x},${chart.transform.y}) scale(${chart.transform.k})`);
  }

  // ---- layout: repulsion (all pairs), springs on links, gravity to the centre ----
  function tick() {
    const nodes = [...elements.keys()].map((id) => chart.nodes.get(id));
    const alpha = chart.alpha;
    const n = nodes.length;
    for (let i = 0; i < n; i++) {
      const a = nodes[i];
      for (let j = i + 1; j < n; j++) {
        const b = nodes[j];
        let dx = b.x - a.x; let dy = b.y - a.y;
        let d2 = dx * dx + dy * dy;
        if (d2 < 0.01) { dx = Math.random() - 0.5; dy = Math.random() - 0.5; d2 = dx * dx + dy * dy; }
        if (d2 > 250000) continue;
        const force = (3200 / d2) * alpha;
        const d = Math.sqrt(d2);
        const fx = (dx / d) * force; const fy = (dy / d) * force;
        a.vx -= fx; a.vy -= fy; b.vx += fx; b.vy += fy;
      }
    }
    for (const { link } of linkElements) {
      const a = chart.nodes.get(link.source); const b = chart.nodes.get(link.target);
      const dx = b.x - a.x; const dy = b.y - a.y;
      const d = Math.sqrt(dx * dx + dy * dy) || 1;
      const rest = 90;
      const strength = 0.06 * alpha;
      const fx = ((d - rest) / d) * dx * strength; const fy = ((d - rest) / d) * dy * strength;
      a.vx += fx; a.vy += fy; b.vx -= fx; b.vy -= fy;
    }
    for (const node of nodes) {
      node.vx -= node.x * 0.004 * alpha; node.vy -= node.y * 0.004 * alpha;
      if (node.fixed) { node.vx = 0; node.vy = 0; continue; }
      node.vx *= 0.6; node.vy *= 0.6;
      const speed = Math.hypot(node.vx, node.vy);
      if (speed > 30) { node.vx *= 30 / speed; node.vy *= 30 / speed; }
      node.x += node.vx; node.y += node.vy;
    }
    chart.alpha *= 0.985;
  }

  function kick() {
    if (chart.frame) return;
    const step = () => {
      for (let i = 0; i < 3; i++) tick();
      position();
      if (chart.alpha > 0.02 && target.isConnected) chart.frame = requestAnimationFrame(step);
      else { chart.frame = null; if (!chart.userMoved) fit(); svg.setAttribute('data-settled', 'true'); }
    };
    svg.removeAttribute('data-settled');
    chart.frame = requestAnimationFrame(step);
  }

  // Scales and centres the drawing into the view box (until the user pans or zooms).
  function fit() {
    const shown = [...elements.keys()].map((id) => chart.nodes.get(id));
    if (!shown.length) return;
    const xs = shown.map((node) => node.x); const ys = shown.map((node) => node.y);
    const minX = Math.min(...xs) - 30; const maxX = Math.max(...xs) + 160; const minY = Math.min(...ys) - 30; const maxY = Math.max(...ys) + 30;
    const k = Math.max(0.3, Math.min(1.4, 960 / (maxX - minX), 600 / (maxY - minY)));
    chart.transform.k = k;
    chart.transform.x = -((minX + maxX) / 2) * k;
    chart.transform.y = -((minY + maxY) / 2) * k;
    position();
  }

  // ---- interaction ----
  let dragMoved = false;
  function toChart(event) {
    const point = svg.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    const local = point.matrixTransform(svg.getScreenCTM().inverse());
    return { x: (local.x - chart.transform.x) / chart.transform.k, y: (local.y - chart.transform.y) / chart.transform.k, sx: local.x, sy: local.y };
  }
  function startDrag(event, node) {
    if (event.button !== 0) return;
    event.stopPropagation();
    dragMoved = false;
    const start = toChart(event);
    const move = (moveEvent) => {
      const point = toChart(moveEvent);
      if (Math.hypot(point.x - start.x, point.y - start.y) > 3) dragMoved = true;
      if (!dragMoved) return;
      chart.userMoved = true; node.x = point.x; node.y = point.y; node.fixed = true;
      chart.alpha = Math.max(chart.alpha, 0.3); kick(); position();
    };
    const up = () => { window.removeEventListener('pointermove', move); window.removeEventListener('pointerup', up); setTimeout(() => { dragMoved = false; }, 0); };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }
  svg.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    const start = toChart(event); const origin = { ...chart.transform };
    const move = (moveEvent) => { chart.userMoved = true; const point = toChart(moveEvent); chart.transform.x = origin.x + (point.sx - start.sx); chart.transform.y = origin.y + (point.sy - start.sy); position(); };
    const up = () => { window.removeEventListener('pointermove', move); window.removeEventListener('pointerup', up); };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  });
  svg.addEventListener('wheel', (event) => {
    event.preventDefault();
    const point = toChart(event);
    const factor = event.deltaY < 0 ? 1.15 : 1 / 1.15;
    chart.userMoved = true;
    const k = Math.max(0.2, Math.min(5, chart.transform.k * factor));
    chart.transform.x = point.sx - point.x * k; chart.transform.y = point.sy - point.y * k; chart.transform.k = k;
    position();
  }, { passive: false });
  svg.addEventListener('click', () => { chart.selected = []; refreshSelection(); renderSide(); });

  function select(id, add) {
    if (add) {
      chart.selected = chart.selected.filter((other) => other !== id);
      chart.selected.push(id);
      if (chart.selected.length > 2) chart.selected = chart.selected.slice(-2);
    } else {
      chart.selected = [id];
    }
    refreshSelection();
    renderSide();
  }
  function refreshSelection() {
    for (const [id, group] of elements) group.classList.toggle('selected', chart.selected.includes(id));
    pathButton.disabled = chart.selected.length !== 2;
  }

  async function expand(id) {
    try {
      info.textContent = 'Expanding…';
      const graph = await api(`/api/graph/neighbourhood${query({ node: id, depth: 1, since: chart.since, until: chart.until, limit: 100 })}`);
      merge(graph, id);
      chart.truncated = chart.truncated || graph.truncated;
      draw();
      renderSide();
    } catch (error) { side.prepend(errorBox(error)); }
  }

  const pathResult = h('div', { testid: 'path-result' });
  async function findPath(from, to) {
    clear(pathResult).append(h('p', { class: 'muted' }, 'Finding paths…'));
    try {
      const answer = await api(`/api/graph/paths${query({ from, to, k: 3 })}`);
      chart.pathNodes.clear(); chart.pathLinks.clear();
      clear(pathResult);
      if (!answer.paths.length) { pathResult.append(empty(`No path between ${from} and ${to} that you may see.`, 'no-path')); draw(); return; }
      const best = answer.paths[0];
      merge({ nodes: best.nodes.map((node) => Object.assign({}, node, { depth: node.depth || 0 })), links: best.hops.map((hop) => ({ source: hop.from, target: hop.to, relation: (hop.links[0] && hop.links[0].relation) || 'link', count: hop.links.reduce((sum, link) => sum + link.count, 0), weight: hop.links.reduce((sum, link) => sum + link.weight, 0), first: null, last: null })) }, null);
      best.nodes.forEach((node) => chart.pathNodes.add(node.id));
      best.hops.forEach((hop) => chart.pathLinks.add(pairKey(hop.from, hop.to)));
      add(pathResult, answer.paths.map((path, index) => h('div', { testid: 'path' },
        h('h3', null, `Path ${index + 1}: ${path.hops.length} hop${path.hops.length === 1 ? '' : 's'}, cost ${fmtNumber(path.cost, 3)}`),
        h('div', { class: 'small' }, path.nodes.map((node, position) => [position ? ' → ' : '', entityLink(node.id, node.label)])),
        hopsView(path.hops, new Map(path.nodes.map((node) => [node.id, node.label]))))));
      draw();
    } catch (error) { clear(pathResult).append(errorBox(error)); }
  }
  pathButton.addEventListener('click', () => { if (chart.selected.length === 2) { findPath(chart.selected[0], chart.selected[1]); renderSide(); } });

  function renderSide() {
    clear(side);
    if (!chart.selected.length) side.append(h('p', { class: 'muted' }, 'No node selected.'));
    for (const id of chart.selected) {
      const node = chart.nodes.get(id);
      if (!node) continue;
      const links = [...chart.links.values()].filter((link) => link.source === id || link.target === id);
      side.append(h('div', { testid: 'node-details', dataset: { node: id } },
        h('h3', null, node.label),
        h('div', { class: 'small' }, `${node.kind} · `, h('span', { class: 'mono' }, node.id)),
        h('div', { class: 'small' }, 'Ring: ', node.ring === null || node.ring === undefined ? 'none' : `#${node.ring}`, ' · Role: ', node.role || 'none',
          ' · Key-player score: ', node.key_player_score === null || node.key_player_score === undefined ? '—' : fmtNumber(node.key_player_score, 3)),
        h('div', { class: 'toolbar', style: 'margin-top:6px' },
          h('button', { class: 'secondary', testid: 'expand-node', onclick: () => expand(id) }, 'Expand'),
          h('a', { class: 'button secondary', href: `#/entity/${encodeURIComponent(id)}` }, 'Profile')),
        h('div', { class: 'small' }, h('b', null, `Links (${links.length})`),
          h('ul', { style: 'margin:2px 0;padding-left:16px' }, links.slice(0, 30).map((link) => {
            const other = chart.nodes.get(link.source === id ? link.target : link.source);
            return h('li', null, `${link.relation} ×${link.count} `, other ? other.label : '');
          })))));
    }
    if (chart.selected.length === 2) side.append(h('p', { class: 'small muted' }, 'Two nodes selected: “Find path” lists the paths between them.'));
    side.append(pathResult);
  }

  depthSelect.addEventListener('change', () => { chart.depth = Number(depthSelect.value); updateExport(); });
  apply.addEventListener('click', async () => {
    chart.since = since.value; chart.until = until.value; chart.depth = Number(depthSelect.value); updateExport();
    try { await load(true); } catch (error) { clear(pathResult).append(errorBox(error)); }
  });

  await load(true);
  if (params.path) {
    chart.selected = [root, params.path];
    refreshSelection();
    renderSide();
    await findPath(root, params.path);
  }
  return () => { if (chart.frame) cancelAnimationFrame(chart.frame); };
}

