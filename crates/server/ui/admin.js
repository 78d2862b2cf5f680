// Administration of agencies (add or edit) and sharing agreements (add or remove).
import { api, h, clear, errorBox, table, tags } from './util.js';

const DATA_CLASSES = ['criminal_intelligence', 'investigative_case', 'public_health', 'public'];
const SENSITIVITIES = ['public', 'sensitive', 'law_enforcement', 'restricted'];

// ctx: { agencies, refresh(), banner(message) } → an element for the admin page.
export async function renderDirectoryAdmin(ctx) {
  const agreements = await api('/api/agreements');
  return h('div', { testid: 'directory-admin' }, agenciesSection(ctx), agreementsSection(ctx, agreements));
}

function agenciesSection(ctx) {
  const message = h('div', { testid: 'agency-message' });
  const inputs = {
    id: h('input', { name: 'id', required: true, testid: 'agency-id' }),
    name: h('input', { name: 'name', required: true, testid: 'agency-name' }),
    contact: h('input', { name: 'contact', testid: 'agency-contact', placeholder: 'desk and phone other agencies are told to call' }),
  };
  const fill = (agency) => { inputs.id.value = agency.id; inputs.name.value = agency.name; inputs.contact.value = agency.contact || ''; inputs.name.focus(); };
  const form = h('form', { class: 'panel', testid: 'agency-form', style: 'width:420px' }, h('h3', null, 'Add or edit an agency'),
    h('div', { class: 'form-grid' }, ...Object.entries(inputs).flatMap(([key, input]) => [h('label', null, key), input])),
    h('p', null, h('button', { type: 'submit', testid: 'agency-save' }, 'Save')), message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(message);
    const body = { id: inputs.id.value.trim(), name: inputs.name.value.trim(), contact: inputs.contact.value.trim() };
    try { await api(`/api/agencies/${encodeURIComponent(body.id)}`, { method: 'PUT', body }); ctx.refresh(); } catch (error) { message.append(errorBox(error)); }
  });
  const list = table([
    { title: 'Id', cell: (agency) => h('a', { href: '#/admin', testid: 'agency-edit', onclick: (event) => { event.preventDefault(); fill(agency); } }, agency.id) },
    { title: 'Name', cell: (agency) => agency.name },
    { title: 'Contact', cell: (agency) => agency.contact || '' },
  ], ctx.agencies, { testid: 'agencies', rowTestid: 'agency-row' });
  return [h('h2', null, `Agencies (${ctx.agencies.length})`), h('div', { class: 'row' }, h('div', { class: 'grow' }, list), form)];
}

function agreementsSection(ctx, agreements) {
  const message = h('div', { testid: 'agreement-message' });
  const agencyList = h('datalist', { id: 'agreement-agencies' }, ctx.agencies.map((agency) => h('option', { value: agency.id })));
  const from = h('input', { name: 'from', required: true, list: 'agreement-agencies', testid: 'agreement-from' });
  const to = h('input', { name: 'to', required: true, list: 'agreement-agencies', testid: 'agreement-to' });
  const classes = DATA_CLASSES.map((name) => h('label', { class: 'small', style: 'margin-right:8px' },
    h('input', { type: 'checkbox', value: name, testid: `agreement-class-${name}` }), ' ', name.replace(/_/g, ' ')));
  const upTo = h('select', { testid: 'agreement-up-to' }, SENSITIVITIES.map((name) => h('option', { value: name, selected: name === 'law_enforcement' }, name.replace(/_/g, ' '))));
  const form = h('form', { class: 'panel', testid: 'agreement-form', style: 'width:420px' }, h('h3', null, 'Add or replace an agreement'),
    h('div', { class: 'form-grid' }, h('label', null, 'from'), from, h('label', null, 'to'), to,
      h('label', null, 'classes'), h('div', null, classes), h('label', null, 'up to'), upTo),
    h('p', null, h('button', { type: 'submit', testid: 'agreement-save' }, 'Save')), message, agencyList);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(message);
    const body = {
      from_agency: from.value.trim(), to_agency: to.value.trim(),
      data_classes: classes.map((label) => label.querySelector('input')).filter((box) => box.checked).map((box) => box.value),
      max_sensitivity: upTo.value,
    };
    try { await api('/api/agreements', { method: 'PUT', body }); ctx.refresh(); } catch (error) { message.append(errorBox(error)); }
  });
  const list = table([
    { title: 'From', cell: (agreement) => agreement.from_agency },
    { title: 'To', cell: (agreement) => agreement.to_agency },
    { title: 'Classes', cell: (agreement) => tags(agreement.data_classes) },
    { title: 'Up to', cell: (agreement) => agreement.max_sensitivity },
    { title: '', cell: (agreement) => h('button', { class: 'secondary', testid: 'agreement-remove', onclick: async () => {
      try {
        await api(`/api/agreements/${encodeURIComponent(agreement.from_agency)}/${encodeURIComponent(agreement.to_agency)}`, { method: 'DELETE' });
        ctx.refresh();
      } catch (error) { ctx.banner(error.message); }
    } }, 'Remove') },
  ], agreements, { testid: 'agreements', rowTestid: 'agreement-row', empty: 'No agreements: each agency reads only its own records.' });
  return [h('h2', null, `Sharing agreements (${agreements.length})`), h('div', { class: 'row' }, h('div', { class: 'grow' }, list), form)];
}
