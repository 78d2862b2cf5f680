// Ingest page: upload a data file with its feed's mapping profile, follow the job, then
// the counts and the batch's quarantined rows (file, line, field, reason).
import { api, h, add, clear, fmtNumber, errorBox, table } from './util.js';

async function base64Of(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary);
}

export async function renderIngest(_params, _rest, target) {
  const dataInput = h('input', { type: 'file', testid: 'ingest-data', accept: '.csv,.jsonl,.json,.txt' });
  const profileInput = h('input', { type: 'file', testid: 'ingest-profile', accept: '.toml' });
  const submit = h('button', { type: 'submit', testid: 'ingest-submit' }, 'Upload and ingest');
  const progress = h('div', { testid: 'ingest-progress' });
  const outcome = h('div', { testid: 'ingest-result' });
  let timer = null;
  let stopped = false;
  const stop = () => { stopped = true; if (timer) clearTimeout(timer); timer = null; };

  const bar = (job) => {
    const total = job.progress.total || 0;
    const percent = total ? Math.min(100, Math.round((job.progress.done / total) * 100)) : (job.state === 'done' ? 100 : 0);
    return h('div', { class: 'panel' },
      h('div', null, `Job ${job.id}: `, h('b', { testid: 'job-state' }, job.state), ` — ${job.progress.message || ''}`),
      h('progress', { max: 100, value: percent, testid: 'job-bar', style: 'width:100%' }),
      h('div', { class: 'small muted' }, `${percent}%`));
  };

  async function showResult(job) {
    if (job.state === 'failed') { clear(outcome).append(h('div', { class: 'bad', testid: 'job-error' }, job.error || 'the job failed')); return; }
    const result = job.result || {};
    const counts = h('div', { class: 'panel', testid: 'ingest-counts' },
      h('div', null, h('b', null, result.file), ` · ${result.agency}/${result.feed} · batch `, h('span', { class: 'mono', testid: 'ingest-batch' }, result.batch)),
      result.already_ingested ? h('div', { class: 'muted' }, 'This file was already in: nothing new was written.') : null,
      h('div', null, 'Rows read ', h('b', { testid: 'rows-read' }, fmtNumber(result.rows_read)),
        ' · accepted ', h('b', { testid: 'rows-accepted' }, fmtNumber(result.rows_accepted)),
        ' · quarantined ', h('b', { testid: 'rows-quarantined' }, fmtNumber(result.rows_quarantined)),
        ' · records new ', h('b', null, fmtNumber(result.records_written)),
        ' · duplicates ', h('b', null, fmtNumber(result.duplicates_skipped))));
    const rows = await api(`/api/batches/${encodeURIComponent(result.batch)}/quarantine`);
    add(clear(outcome), counts, h('h2', null, `Quarantined rows (${rows.length})`),
      table([
        { title: 'File', cell: (row) => row.file },
        { title: 'Line', num: true, cell: (row) => h('span', { testid: 'q-line' }, row.line) },
        { title: 'Field', cell: (row) => h('span', { testid: 'q-field' }, row.field || '') },
        { title: 'Reason', cell: (row) => row.reason },
        { title: 'Row as read', cell: (row) => h('span', { class: 'mono small' }, row.raw) },
      ], rows, { testid: 'quarantine', rowTestid: 'quarantined-row', empty: 'No row was quarantined.', emptyTestid: 'no-quarantine' }));
  }

  async function poll(id) {
    if (stopped) return;
    let job;
    try { job = await api(`/api/jobs/${id}`); } catch (error) { clear(progress).append(errorBox(error)); return; }
    if (stopped) return;
    clear(progress).append(bar(job));
    if (job.state === 'done' || job.state === 'failed') {
      submit.disabled = false;
      try { await showResult(job); } catch (error) { clear(outcome).append(errorBox(error)); }
      return;
    }
    timer = setTimeout(() => poll(id), 1000);
  }

  const form = h('form', { class: 'panel', testid: 'ingest-form' },
    h('div', { class: 'form-grid' },
      h('label', null, 'Data file (CSV or JSON Lines)'), dataInput,
      h('label', null, 'Mapping profile (.profile.toml)'), profileInput),
    h('p', { class: 'small muted' }, 'An agency ingests only its own data: the profile must name your agency. Rows that cannot be mapped are quarantined with their line and reason; the rest go in.'),
    h('p', null, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(outcome);
    const data = dataInput.files && dataInput.files[0];
    const profile = profileInput.files && profileInput.files[0];
    if (!data || !profile) { clear(progress).append(h('div', { class: 'bad', testid: 'error' }, 'Choose a data file and its profile.')); return; }
    submit.disabled = true;
    try {
      const body = { file_name: data.name, data_base64: await base64Of(data), profile_toml: await profile.text() };
      const started = await api('/api/ingest', { method: 'POST', body });
      clear(progress).append(h('p', { class: 'muted' }, `Job ${started.job} queued…`));
      poll(started.job);
    } catch (error) {
      submit.disabled = false;
      clear(progress).append(errorBox(error));
    }
  });
  add(clear(target), h('h1', null, 'Ingest'), form, progress, outcome);
  return stop;
}
