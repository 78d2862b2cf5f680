// Review page: the latest resolution run's borderline pairs (both records the user may
// read), side by side with the evidence; "Same person" / "Different people" with a
// required reason. Judgements take effect at the next resolution run.
import { api, h, add, clear, fmtNumber, entityLink, empty, errorBox, jsonView } from './util.js';

function recordPanel(record, node) {
  return h('div', { class: 'panel grow', testid: 'review-record' },
    h('div', null, h('b', null, record.agency), ' · ', record.feed, ' · ', h('span', { class: 'mono' }, record.source_record_id)),
    node ? h('div', { class: 'small' }, entityLink(node, 'open entity')) : null,
    Object.entries(record.properties || {}).map(([key, value]) => h('div', { class: 'small' }, h('b', null, key), ': ', Array.isArray(value) ? value.join('; ') : String(value))));
}

// Asks for a reason and posts a judgement; resolves to the stored entry, or null.
export async function judgePair(left, right, same, reasonText) {
  const reason = reasonText !== undefined ? reasonText : window.prompt(same ? 'Why are these the same person?' : 'Why are these different people?');
  if (!reason || !reason.trim()) return null;
  return api('/api/resolution/judgements', { method: 'POST', body: { left, right, same, reason: reason.trim() } });
}

export async function renderReview(_params, _rest, target, me) {
  const pairs = await api('/api/resolution/review?limit=50');
  const roles = ((me && me.roles) || []).map((role) => String(role).toLowerCase());
  const runBox = h('div', { testid: 'run-status' });
  const runButton = roles.includes('supervisor') || roles.includes('administrator')
    ? h('button', { class: 'secondary', testid: 'run-resolution', onclick: async () => {
      runButton.disabled = true;
      try {
        const started = await api('/api/resolution/run', { method: 'POST' });
        const poll = async () => {
          const job = await api(`/api/jobs/${started.job}`);
          clear(runBox).append(h('span', { class: 'small' }, `Resolution job ${job.id}: ${job.state} ${job.progress.message || ''}`));
          if (job.state === 'done' || job.state === 'failed') { runButton.disabled = false; return; }
          if (runBox.isConnected) setTimeout(poll, 1000);
        };
        poll();
      } catch (error) { runButton.disabled = false; clear(runBox).append(errorBox(error)); }
    } }, 'Run resolution now') : null;
  const list = h('div', { testid: 'review-queue' });
  if (!pairs.length) list.append(empty('No pair to review that you may read both records of.'));
  for (const pair of pairs) {
    const reason = h('input', { placeholder: 'reason (required)', testid: 'review-reason', style: 'width:320px' });
    const note = h('span', { class: 'small', testid: 'review-outcome' });
    const decide = async (same) => {
      if (!reason.value.trim()) { reason.focus(); clear(note).append(h('span', { class: 'bad' }, 'Give a reason.')); return; }
      try {
        const stored = await judgePair(pair.left.id, pair.right.id, same, reason.value);
        clear(note).append(h('span', { class: 'good' }, `Judgement ${stored.id} recorded (${stored.kind}); it takes effect at the next resolution run.`));
      } catch (error) { clear(note).append(errorBox(error)); }
    };
    list.append(h('div', { class: 'panel', testid: 'review-pair' },
      h('div', null, h('b', null, `#${pair.rank}`), ` · weight ${fmtNumber(pair.weight, 2)} · probability ${fmtNumber(pair.probability, 3)}`),
      h('div', { class: 'row' }, recordPanel(pair.left, pair.left_node), recordPanel(pair.right, pair.right_node)),
      h('details', null, h('summary', null, 'Evidence'), jsonView(pair.evidence && pair.evidence.fields ? { fields: pair.evidence.fields, blocked_by: pair.evidence.blocked_by } : pair.evidence)),
      h('div', { class: 'toolbar' }, reason,
        h('button', { testid: 'judge-same', onclick: () => decide(true) }, 'Same person'),
        h('button', { class: 'secondary', testid: 'judge-different', onclick: () => decide(false) }, 'Different people'),
        note)));
  }
  add(clear(target), h('h1', null, 'Resolution review'),
    h('p', { class: 'muted small' }, 'Borderline pairs of the latest resolution run whose two records you may read, most valuable first. Judgements take effect at the next resolution run.'),
    h('div', { class: 'toolbar' }, runButton, runBox), list);
}
