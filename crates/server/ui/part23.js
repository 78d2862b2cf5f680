// 28 CFR Part 23 pages: Validation and Retention (supervisors), Watches (law
// enforcement; a "Watch" button on the entity profile), Disseminations (auditors, and
// supervisors for their agency's records). The server checks every call again.
import { api, query, h, add, clear, fmtTime, entityLink, empty, errorBox, table } from './util.js';

const short = (id) => h('span', { class: 'mono', title: id }, String(id).slice(0, 12));

function valuesOf(record) {
  return h('div', null, Object.entries(record.properties || {}).map(([key, value]) =>
    h('div', { class: 'small' }, h('b', null, key), ': ', Array.isArray(value) ? value.join('; ') : String(value))));
}

// ---------- validation ----------

export async function renderValidation(_params, _rest, target) {
  const pending = await api('/api/validations/pending');
  const status = h('div', { testid: 'validation-status' });
  const decide = async (record, validated, note, row) => {
    if (!note.value.trim()) { note.focus(); clear(status).append(errorBox(new Error('Say why: the note is kept with the record.'))); return; }
    try {
      await api(`/api/validations/${encodeURIComponent(record.id)}`, { method: 'POST', body: { validated, note: note.value.trim() } });
      row.remove();
      const left = target.querySelectorAll('[data-testid=pending-record]').length;
      clear(status).append(h('div', { class: 'notice', testid: 'validation-done' },
        `Record ${record.id.slice(0, 12)} ${validated ? 'validated' : 'rejected'}. ${left} pending.`));
      const counter = target.querySelector('[data-testid=pending-count]');
      if (counter) counter.textContent = String(left);
    } catch (error) { clear(status).append(errorBox(error)); }
  };
  const rows = pending.map((record) => {
    const note = h('input', { placeholder: 'note (required)', testid: 'validation-note', style: 'width:220px' });
    const row = h('tr', { testid: 'pending-record', dataset: { record: record.id } },
      h('td', null, short(record.id)),
      h('td', null, h('div', null, h('b', null, record.kind), ' · ', record.feed), h('div', { class: 'small mono' }, record.source_record_id)),
      h('td', null, valuesOf(record)),
      h('td', { class: 'small' }, record.criminal_predicate || '', record.review_by ? h('div', { class: 'muted' }, `review by ${record.review_by}`) : null,
        record.reported_at ? h('div', { class: 'muted' }, `reported ${fmtTime(record.reported_at)}`) : null),
      h('td', null, note, ' ',
        h('button', { testid: 'validate', onclick: () => decide(record, true, note, row) }, 'Validate'), ' ',
        h('button', { class: 'secondary', testid: 'reject', onclick: () => decide(record, false, note, row) }, 'Reject')));
    return row;
  });
  add(clear(target),
    h('h1', null, 'Part 23 validation'),
    h('p', { class: 'muted' }, 'Criminal intelligence of your agency stays with it until a supervisor validates it (28 CFR 23.20). ',
      h('b', { testid: 'pending-count' }, String(pending.length)), ' pending shown, oldest first', pending.length >= 200 ? ' (the oldest 200)' : '', '.'),
    status,
    pending.length
      ? h('table', { testid: 'pending' },
        h('thead', null, h('tr', null, ['Record', 'Source', 'Values', 'Predicate', 'Decision'].map((title) => h('th', null, title)))),
        h('tbody', null, rows))
      : empty('Nothing is pending validation.', 'no-pending'));
}

// ---------- retention ----------

export async function renderRetention(params, _rest, target) {
  const within = params.within || '0';
  const due = await api(`/api/retention/due${query({ within })}`);
  const result = h('div', { testid: 'purge-result' });
  const windowInput = h('input', { type: 'number', min: '0', value: within, testid: 'due-within', style: 'width:90px' });
  const purge = async (item, reason, row) => {
    if (!reason.value.trim()) { reason.focus(); clear(result).append(errorBox(new Error('Say why: a purge needs a reason.'))); return; }
    try {
      const report = await api('/api/retention/purge', { method: 'POST', body: { record: item.record, reason: reason.value.trim() } });
      row.remove();
      const tombstone = report.tombstone;
      clear(result).append(h('div', { class: 'panel', testid: 'purge-report' },
        h('div', { class: 'notice' }, `Purged record ${tombstone.record} (${tombstone.agency}/${tombstone.feed}) at ${fmtTime(tombstone.purged_at)}; the tombstone is kept.`),
        h('h3', null, 'Notify the earlier recipients'),
        table([
          { title: 'Agency', cell: (recipient) => recipient.agency || '—' },
          { title: 'User', cell: (recipient) => recipient.user || '—' },
          { title: 'Received', cell: (recipient) => fmtTime(recipient.disseminated_at) },
          { title: 'Via', cell: (recipient) => recipient.via },
          { title: 'Audit entry', num: true, cell: (recipient) => recipient.audit_entry },
        ], report.notify || [], { testid: 'notify', rowTestid: 'notify-recipient', empty: 'Nobody outside your agency received it.' }),
        (report.operations_naming_it || []).length
          ? h('div', { class: 'small' }, `Registered operations naming it (kept; tell their agency): ${report.operations_naming_it.join(', ')}`)
          : null));
    } catch (error) { clear(result).append(errorBox(error)); }
  };
  const rows = due.map((item) => {
    const reason = h('input', { placeholder: 'reason (required)', testid: 'purge-reason', style: 'width:220px' });
    const row = h('tr', { testid: 'due-record', dataset: { record: item.record } },
      h('td', null, short(item.record)),
      h('td', null, item.feed, ' · ', h('span', { class: 'mono small' }, item.source_record_id)),
      h('td', { class: 'small' }, item.predicate || ''),
      h('td', null, h('b', null, item.effective_review_by),
        item.effective_review_by !== item.review_by ? h('div', { class: 'muted small' }, `this version says ${item.review_by}; an earlier version set the clock`) : null),
      h('td', null, reason, ' ', h('button', { testid: 'purge', onclick: () => purge(item, reason, row) }, 'Purge')));
    return row;
  });
  add(clear(target),
    h('h1', null, 'Retention review'),
    h('p', { class: 'muted' }, 'Criminal intelligence of your agency due for review (28 CFR 23.54: at most five years; a correction does not reset the clock).'),
    h('div', { class: 'toolbar' }, 'Due within ', windowInput, ' days ',
      h('button', { class: 'secondary', testid: 'due-refresh', onclick: () => { location.hash = `#/retention${query({ within: windowInput.value })}`; } }, 'Show')),
    result,
    due.length
      ? h('table', { testid: 'due' },
        h('thead', null, h('tr', null, ['Record', 'Source', 'Predicate', 'Review by', 'Purge'].map((title) => h('th', null, title)))),
        h('tbody', null, rows))
      : empty('Nothing is due for review in this window.', 'no-due'));
}

// ---------- watches ----------

// A reference is a network node id (Kind:…) unless it is a stored target or record id.
function referenceCell(watch) {
  const reference = watch.reference || '';
  if (/^[A-Z][A-Za-z]+:/.test(reference)) return entityLink(reference, reference);
  return h('span', { class: 'mono small' }, reference);
}

export async function addWatch(entity, reason, caseNumber) {
  return api('/api/watches', { method: 'POST', body: { entity, reason, case: caseNumber || null } });
}

export async function renderWatches(params, _rest, target) {
  const watches = await api('/api/watches');
  const status = h('div', { testid: 'watch-status' });
  const entity = h('input', { placeholder: 'entity (node id or record id)', value: params.entity || '', testid: 'watch-entity', style: 'width:280px' });
  const reason = h('input', { placeholder: 'why (required)', testid: 'watch-reason', style: 'width:220px' });
  const caseNumber = h('input', { placeholder: 'case (optional)', testid: 'watch-case', style: 'width:140px' });
  const submit = h('button', { testid: 'watch-add', onclick: async () => {
    try {
      const watch = await addWatch(entity.value.trim(), reason.value.trim(), caseNumber.value.trim());
      location.hash = '#/watches';
      clear(status).append(h('div', { class: 'notice' }, `Watch ${watch.id} on ${watch.target}.`));
    } catch (error) { clear(status).append(errorBox(error)); }
  } }, 'Watch');
  const list = table([
    { title: 'Id', num: true, cell: (watch) => watch.id },
    { title: 'Entity', cell: referenceCell },
    { title: 'Target', cell: (watch) => h('span', { class: 'mono small' }, watch.target) },
    { title: 'Watcher', cell: (watch) => watch.user },
    { title: 'Why', cell: (watch) => [watch.reason, watch.case_number ? h('div', { class: 'muted small' }, `case ${watch.case_number}`) : null] },
    { title: 'Since', cell: (watch) => fmtTime(watch.created_at) },
    { title: 'State', cell: (watch) => (watch.active
      ? h('button', { class: 'secondary', testid: 'watch-remove', onclick: async (event) => {
        try {
          await api(`/api/watches/${watch.id}`, { method: 'DELETE' });
          event.target.replaceWith(h('span', { class: 'muted' }, 'removed'));
        } catch (error) { clear(status).append(errorBox(error)); }
      } }, 'Remove')
      : h('span', { class: 'muted small' }, `removed ${fmtTime(watch.removed_at)} by ${watch.removed_by}`)) },
  ], watches, { testid: 'watches', rowTestid: 'watch', empty: 'Your agency watches nothing yet.' });
  add(clear(target),
    h('h1', null, 'Watches'),
    h('p', { class: 'muted' }, 'A new record about a watched entity raises an alert, decided for the watcher: content where you may read it, otherwise only who holds something new.'),
    h('div', { class: 'toolbar' }, entity, reason, caseNumber, submit),
    status, list);
}

// The "Watch" button of an entity profile.
export function watchButton(profile) {
  const box = h('span', { testid: 'watch-box' });
  const button = h('button', { class: 'secondary', testid: 'watch-entity-button', onclick: async () => {
    const reason = window.prompt('Why watch this entity?');
    if (!reason || !reason.trim()) return;
    try {
      const watch = await addWatch(profile.node, reason.trim());
      button.replaceWith(h('a', { href: '#/watches', class: 'small', testid: 'watching' }, `Watching (watch ${watch.id})`));
    } catch (error) { clear(box).append(errorBox(error)); }
  } }, 'Watch');
  return [button, box];
}

// ---------- disseminations ----------

export async function renderDisseminations(params, _rest, target) {
  const entries = await api(`/api/disseminations${query({ record: params.record, agency: params.agency })}`);
  const record = h('input', { placeholder: 'record id or AGENCY/FEED/ID', value: params.record || '', testid: 'dissemination-record', style: 'width:260px' });
  const agency = h('input', { placeholder: 'recipient agency', value: params.agency || '', testid: 'dissemination-agency', style: 'width:140px' });
  const filter = () => { location.hash = `#/disseminations${query({ record: record.value.trim(), agency: agency.value.trim() })}`; };
  add(clear(target),
    h('h1', null, 'Disseminations'),
    h('p', { class: 'muted' }, 'Content shown outside its owning agency, from the audit log (28 CFR 23.20(g)).'),
    h('div', { class: 'toolbar' }, record, agency, h('button', { class: 'secondary', testid: 'dissemination-filter', onclick: filter }, 'Filter')),
    table([
      { title: '#', num: true, cell: (entry) => entry.sequence },
      { title: 'When', cell: (entry) => fmtTime(entry.at) },
      { title: 'To', cell: (entry) => (entry.recipient_agency ? [h('b', null, entry.recipient_agency), ` (${entry.recipient_user})`] : h('span', { class: 'small' }, entry.target)) },
      { title: 'Records', cell: (entry) => h('div', { class: 'small' }, entry.records.map((id) => h('div', null, h('a', { href: `#/disseminations${query({ record: id })}`, class: 'mono' }, id.slice(0, 12))))) },
      { title: 'Via', cell: (entry) => entry.via },
      { title: 'By', cell: (entry) => `${entry.actor} (${entry.actor_agency})` },
      { title: 'Why', cell: (entry) => [entry.reason, entry.case_number ? h('div', { class: 'muted small' }, `case ${entry.case_number}`) : null] },
    ], entries, { testid: 'disseminations', rowTestid: 'dissemination', empty: 'No dissemination matches.' }));
}

// ---------- inquiries ----------

export async function renderInquiries(_params, _rest, target) {
  const inquiries = await api('/api/inquiries?limit=200');
  add(clear(target),
    h('h1', null, 'Inquiries'),
    h('p', { class: 'muted' }, 'Searches by other agencies that matched records of yours they may not read: they were told you hold something and whom to call. The words they searched for are not shown.'),
    table([
      { title: 'When', cell: (inquiry) => fmtTime(inquiry.at) },
      { title: 'Agency', cell: (inquiry) => h('b', null, inquiry.agency) },
      { title: 'User', cell: (inquiry) => inquiry.user },
      { title: 'Case', cell: (inquiry) => inquiry.case || '' },
      { title: 'Your records matched', num: true, cell: (inquiry) => inquiry.records },
    ], inquiries, { testid: 'inquiries', rowTestid: 'inquiry', empty: 'No other agency has been pointed to your records.' }));
}
