// Cases: the list of cases the user may open, a case's workspace (members, the case's
// records and entities the user may read, its operations) and the "open case" form.
import { api, h, add, clear, fmtTime, entityLink, empty, errorBox, table, tags } from './util.js';

const DATA_VALUES = 4;

function valueText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// ctx: { me, refresh(), banner(message) }
export async function renderCases(target, caseId, ctx) {
  if (caseId) return renderWorkspace(target, caseId, ctx);
  return renderList(target, ctx);
}

function roles(me) { return (me.roles || []).map((role) => String(role).toLowerCase()); }

async function renderList(target, ctx) {
  const cases = await api('/api/cases');
  const isAdmin = roles(ctx.me).includes('administrator');
  const opens = isAdmin || roles(ctx.me).includes('supervisor');
  const list = table([
    { title: 'Case', cell: (item) => h('a', { href: `#/cases/${encodeURIComponent(item.id)}`, testid: 'case-link' }, item.id) },
    { title: 'Title', cell: (item) => item.title },
    { title: 'Agency', cell: (item) => item.agency },
    { title: 'Members', num: true, cell: (item) => (item.members || []).length },
    { title: 'Opened', cell: (item) => h('span', { class: 'small' }, `${item.created_by || ''} · ${fmtTime(item.created_at)}`) },
  ], cases, { testid: 'cases-list', rowTestid: 'case-row', empty: 'No cases you work on.', emptyTestid: 'cases-empty' });
  clear(target).append(h('h1', null, 'Cases'),
    h('p', { class: 'muted small' }, 'A registered case makes every record that carries its case number need-to-know: only its members read them.'),
    h('div', { class: 'row' }, h('div', { class: 'grow' }, list), opens ? openForm(ctx, isAdmin) : null));
}

function openForm(ctx, isAdmin) {
  const message = h('div', { testid: 'case-open-message' });
  const id = h('input', { name: 'id', required: true, testid: 'case-id', placeholder: 'the case number records carry' });
  const title = h('input', { name: 'title', required: true, testid: 'case-title' });
  const agency = isAdmin ? h('input', { name: 'agency', testid: 'case-agency', placeholder: 'default: the agency whose records carry it' }) : null;
  const form = h('form', { class: 'panel', testid: 'case-open-form', style: 'width:420px' }, h('h3', null, 'Open a case'),
    h('div', { class: 'form-grid' }, h('label', null, 'case number'), id, h('label', null, 'title'), title,
      agency ? [h('label', null, 'agency'), agency] : null),
    h('p', null, h('button', { type: 'submit', testid: 'case-open' }, 'Open case')), message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(message);
    const body = { id: id.value.trim(), title: title.value.trim() };
    if (agency && agency.value.trim()) body.agency = agency.value.trim();
    try {
      const opened = await api('/api/cases', { method: 'POST', body });
      location.hash = `#/cases/${encodeURIComponent(opened.id)}`;
    } catch (error) { message.append(errorBox(error)); }
  });
  return form;
}

async function renderWorkspace(target, caseId, ctx) {
  const workspace = await api(`/api/cases/${encodeURIComponent(caseId)}`);
  const item = workspace.case;
  const path = `/api/cases/${encodeURIComponent(item.id)}/members`;
  const members = table([
    { title: 'User', cell: (member) => h('span', { testid: 'member-id' }, member.user) },
    { title: 'Name', cell: (member) => member.display_name },
    { title: 'Agency', cell: (member) => member.agency },
    { title: '', cell: (member) => workspace.may_manage ? h('button', { class: 'secondary', testid: 'member-remove', onclick: async () => {
      try { await api(`${path}/${encodeURIComponent(member.user)}`, { method: 'DELETE' }); ctx.refresh(); } catch (error) { ctx.banner(error.message); }
    } }, 'Remove') : null },
  ], workspace.members, { testid: 'case-members', rowTestid: 'case-member', empty: 'No members yet.', emptyTestid: 'case-members-empty' });
  let addForm = null;
  if (workspace.may_manage) {
    const message = h('div', { testid: 'member-message' });
    const user = h('input', { name: 'user', required: true, testid: 'member-user', placeholder: 'user id' });
    addForm = h('form', { class: 'toolbar', testid: 'member-form' }, user, h('button', { type: 'submit', testid: 'member-add' }, 'Add member'), message);
    addForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(message);
      try { await api(path, { method: 'POST', body: { user: user.value.trim() } }); ctx.refresh(); } catch (error) { message.append(errorBox(error)); }
    });
  }
  const records = table([
    { title: 'Kind', cell: (record) => record.kind },
    { title: 'Values', cell: (record) => h('div', null,
      Object.entries(record.properties || {}).slice(0, DATA_VALUES).map(([key, value]) => h('div', { class: 'small' }, h('b', null, key), ': ', valueText(value))),
      (record.redacted || []).map((key) => h('div', { class: 'small' }, h('b', null, key), ': ', h('span', { class: 'withheld' }, 'withheld')))) },
    { title: 'Provenance', cell: (record) => h('div', { class: 'small' }, h('b', null, record.agency), ' · ', record.feed, ' · ', h('span', { class: 'mono' }, record.source_record_id)) },
    { title: 'Labels', cell: (record) => h('div', { class: 'small' }, h('span', { class: 'tag sens' }, record.sensitivity), tags(record.caveats), ' ', record.data_class) },
  ], workspace.records, { testid: 'case-records', rowTestid: 'case-record', empty: 'No records of this case that you may read.', emptyTestid: 'case-records-empty' });
  const entities = table([
    { title: 'Entity', cell: (entity) => entityLink(entity.node, entity.label) },
    { title: 'Kind', cell: (entity) => entity.kind },
    { title: 'Case records', num: true, cell: (entity) => entity.records },
  ], workspace.entities, { testid: 'case-entities', rowTestid: 'case-entity', empty: 'No entities.', emptyTestid: 'case-entities-empty' });
  const operations = table([
    { title: 'Operation', cell: (operation) => operation.label || `#${operation.id}` },
    { title: 'Window', cell: (operation) => `${fmtTime(operation.starts_at)} – ${fmtTime(operation.ends_at)}` },
    { title: 'Registered by', cell: (operation) => operation.registered_by },
  ], workspace.operations, { testid: 'case-operations', empty: 'No registered operations of this case.' });
  add(clear(target),
    h('p', { class: 'small' }, h('a', { href: '#/cases' }, '← all cases')),
    h('h1', { testid: 'case-heading' }, item.title, ' ', h('span', { class: 'muted small' }, `${item.id} · ${item.agency}`)),
    h('p', { class: 'muted small' }, `Opened by ${item.created_by} · ${fmtTime(item.created_at)}`),
    h('h2', null, `Members (${workspace.members.length})`), members, addForm,
    h('h2', null, `Records (${workspace.records.length})`), records,
    h('h2', null, `Entities (${workspace.entities.length})`), entities,
    h('h2', null, 'Operations'), operations);
  if (!workspace.records.length && roles(ctx.me).includes('administrator')) {
    target.append(empty('Administrators manage cases but read no records.', 'case-admin-note'));
  }
}
