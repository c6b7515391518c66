/**
 * One batch: its progress (polled every 2 s while it runs, stopped when done or left), its
 * items' verdicts and failures (read once from the NDJSON results, bounded in memory), and
 * the case report downloads, fetched with the key and saved through a Blob URL so that the
 * key never appears in a URL.
 */
import { getJson, readNdjson, request } from './api.js';
import { $, clear, h } from './dom.js';
import { digestButton, errorText, mediaSummary, scoreBadge } from './format.js';
import { currentCalendar, currentLanguage, formatDate, formatNumber, t, tOr } from './i18n.js';
import { announce } from './status.js';

const POLL_MS = 2000;
/** Items re-read at most this often while the batch runs (each read is audited). */
const RESULTS_EVERY_MS = 10_000;
/** Rows kept for display; the case report has every item. */
const MAX_ROWS = 500;
const STATUSES = ['queued', 'processing', 'matched', 'noMatch', 'failed'];
const REPORT_FORMATS = ['csv', 'json', 'html'];

const state = { id: null, batch: null, items: [], failures: [], total: 0, timer: null, generation: 0, resultsAt: 0 };

function stop() {
  clearTimeout(state.timer);
  state.timer = null;
  state.generation++;
}

async function open(id) {
  stop();
  const generation = state.generation;
  Object.assign(state, { id, batch: null, items: [], failures: [], total: 0, resultsAt: 0 });
  $('#batch-id').value = String(id);
  try {
    const batch = await getJson(`/v1/batches/${id}`);
    if (generation !== state.generation) return;
    state.batch = batch;
    render();
    await loadResults(generation);
    schedule(generation);
  } catch (err) {
    if (generation !== state.generation) return;
    $('#batch-body').hidden = true;
    $('#batch-empty').hidden = false;
    $('#batch-empty').textContent = errorText(err);
    announce(errorText(err), 'error');
  }
}

function schedule(generation) {
  if (state.batch?.status !== 'running') return;
  state.timer = setTimeout(() => void poll(generation), POLL_MS);
}

async function poll(generation) {
  try {
    const batch = await getJson(`/v1/batches/${state.id}`);
    if (generation !== state.generation) return;
    const changed = JSON.stringify(batch.counts) !== JSON.stringify(state.batch.counts);
    state.batch = batch;
    renderProgress();
    if (batch.status === 'done') {
      await loadResults(generation);
      announce(t('batch.finished', { id: batch.id }));
      return;
    }
    if (changed && Date.now() - state.resultsAt > RESULTS_EVERY_MS) await loadResults(generation);
  } catch (err) {
    if (generation !== state.generation) return;
    announce(errorText(err), 'error');
  }
  if (generation === state.generation) schedule(generation);
}

async function loadResults(generation) {
  const items = [];
  const failures = [];
  let total = 0;
  const res = await request(`/v1/batches/${state.id}/results?format=ndjson`);
  await readNdjson(res, (item) => {
    total++;
    if (items.length < MAX_ROWS) items.push(item);
    if (item.status === 'failed' && failures.length < MAX_ROWS) failures.push(item);
  });
  if (generation !== state.generation) return;
  Object.assign(state, { items, failures, total, resultsAt: Date.now() });
  renderItems();
}

function render() {
  const b = state.batch;
  $('#batch-empty').hidden = true;
  $('#batch-body').hidden = false;
  $('#batch-heading').textContent = t('batch.heading', { id: b.id, caseRef: b.caseRef ?? t('common.none') });
  const rows = [
    [t('batch.caseRef'), b.caseRef ?? t('common.none')],
    [t('batch.kind'), t(`batch.kind.${b.kind}`)],
    [t('batch.tipId'), b.tipId ?? t('common.none')],
    [t('match.received'), formatDate(b.receivedAt)],
    [t('batch.itemCount'), formatNumber(b.items)],
  ];
  clear($('#batch-summary')).append(
    ...rows.flatMap(([term, value]) => [h('dt', { text: term }), h('dd', { text: value })]),
  );
  for (const format of REPORT_FORMATS) $(`#report-${format}`).href = reportUrl(format);
  $('#batch-review-link').href = `#/queue?batchId=${b.id}&reviewed=`;
  renderProgress();
  renderItems();
}

function renderProgress() {
  const b = state.batch;
  const c = b.counts;
  const finished = c.matched + c.noMatch + c.failed;
  const progress = $('#batch-progress');
  progress.max = Math.max(b.items, 1);
  progress.value = finished;
  $('#batch-state').textContent = t(b.status === 'done' ? 'batch.done' : 'batch.running');
  $('#batch-progress-text').textContent = t('batch.progress', {
    done: formatNumber(finished),
    total: formatNumber(b.items),
    percent: formatNumber(b.items === 0 ? 1 : finished / b.items, { style: 'percent' }),
  });
  clear($('#batch-counts')).append(...STATUSES.map((s) => h('td', { class: 'num', text: formatNumber(c[s]) })));
}

function itemRow(item) {
  const best = item.matches.reduce((a, m) => (a === null || m.score > a.score ? m : a), null);
  const digests = [];
  if (item.sha256) digests.push(digestButton('sha256', item.sha256, announce));
  if (item.md5) digests.push(digestButton('md5', item.md5, announce));
  return h(
    'tr',
    {},
    h('td', { class: 'num', text: formatNumber(item.seq) }),
    h('td', { class: 'source', text: item.source }),
    h('td', { class: `item-status st-${item.status}`, text: t(`status.${item.status}`) }),
    h('td', {}, h('div', { class: 'digests' }, digests), h('div', { class: 'sub', text: mediaSummary(item) })),
    h(
      'td',
      {},
      best === null
        ? t('common.none')
        : [
            scoreBadge(best.score),
            ' ',
            t('batch.matchSummary', {
              count: formatNumber(item.matches.length),
              list: best.list,
              algorithm: best.algorithm,
            }),
          ],
    ),
  );
}

function failureRow(item) {
  return h(
    'tr',
    {},
    h('td', { class: 'num', text: formatNumber(item.seq) }),
    h('td', { class: 'source', text: item.source }),
    h(
      'td',
      {},
      h('strong', { text: tOr(`code.${item.error?.code}`, item.error?.code ?? t('code.internal')) }),
      h('div', { class: 'sub', text: item.error?.message ?? '' }),
    ),
  );
}

function renderItems() {
  clear($('#items-body')).append(...state.items.map(itemRow));
  clear($('#failures-body')).append(...state.failures.map(failureRow));
  $('#failures-table').hidden = state.failures.length === 0;
  $('#failures-empty').hidden = state.failures.length > 0;
  $('#items-note').textContent =
    state.total > state.items.length
      ? t('batch.itemsTruncated', { shown: formatNumber(state.items.length), total: formatNumber(state.total) })
      : t('batch.itemsAll', { total: formatNumber(state.total) });
}

/** The printable report follows the page's language, calendar and time zone. */
function reportUrl(format) {
  const url = `/v1/batches/${state.id}/report?format=${format}`;
  if (format !== 'html') return url;
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return `${url}&lang=${currentLanguage()}&calendar=${currentCalendar()}${/^[A-Za-z0-9_+/-]+$/.test(tz) ? `&tz=${encodeURIComponent(tz)}` : ''}`;
}

/** `attachment; filename="x.csv"` → x.csv */
function fileName(disposition) {
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition ?? '');
  return m ? decodeURIComponent(m[1]) : null;
}

async function download(format) {
  const id = state.id;
  try {
    const res = await request(reportUrl(format));
    const type = res.headers.get('content-type') ?? '';
    if (/^(image|video|audio)\//i.test(type)) throw new Error(`refused a ${type} response`);
    const blob = await res.blob();
    const name = fileName(res.headers.get('content-disposition')) ?? `tiphash-batch-${id}-report.${format}`;
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
    const digest = /sha256=([0-9a-f]{64})/.exec(res.headers.get('x-tiphash-report-digest') ?? '')?.[1];
    announce(digest ? t('report.savedDigest', { name, digest }) : t('report.saved', { name }));
  } catch (err) {
    announce(t('report.failed', { error: errorText(err) }), 'error');
  }
}

let wired = false;
function wire() {
  if (wired) return;
  wired = true;
  $('#batch-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = Number($('#batch-id').value);
    if (!Number.isSafeInteger(id) || id < 1) {
      announce(t('batch.badId'), 'error');
      return;
    }
    location.hash = `#/batch/${id}`;
  });
  for (const format of REPORT_FORMATS) {
    $(`#report-${format}`).addEventListener('click', (event) => {
      event.preventDefault();
      void download(format);
    });
  }
}

export const batchView = {
  async show(route) {
    wire();
    const id = Number(route.arg);
    if (Number.isSafeInteger(id) && id > 0) {
      if (id !== state.id || state.timer === null) await open(id);
      return;
    }
    stop();
    state.id = null;
    $('#batch-body').hidden = true;
    $('#batch-empty').hidden = false;
    $('#batch-empty').textContent = t('batch.none');
  },
  hide() {
    stop();
  },
  relabel() {
    if (state.batch && !$('#batch-body').hidden) render();
    else if (state.id === null) $('#batch-empty').textContent = t('batch.none');
  },
};
