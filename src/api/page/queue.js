/**
 * The review queue: matches from GET /v1/matches, filtered and keyset-paged ("more" appends
 * the next page, so 100k matches cost what 100 do), a review panel for the selected match,
 * and the keyboard: J/K or arrows move, C/F/E record a verdict, N writes a note.
 */
import { getJson, postJson, query } from './api.js';
import { $, $$, clear, h } from './dom.js';
import { digestText, errorText, frameCountOf, mediaSummary, scoreBadge } from './format.js';
import { algorithmText, renderPanel as showInPanel, verdictText } from './panel.js';
import { formatDate, formatNumber, t } from './i18n.js';
import { announce } from './status.js';
import { timeline } from './timeline.js';

const PAGE = 50;
const DEFAULTS = { reviewed: 'false', order: 'newest' };
const FILTERS = ['reviewed', 'listId', 'category', 'minScore', 'maxScore', 'batchId', 'order'];
const VERDICT_KEYS = { c: 'confirmed', f: 'false_positive', e: 'escalate' };

const state = { rows: [], next: null, selected: -1, lists: [], filters: { ...DEFAULTS }, busy: false, loadId: 0 };

/** The filters named in the fragment (#/queue?batchId=3), over the defaults. */
function filtersFrom(params) {
  const f = { ...DEFAULTS };
  for (const name of FILTERS) if (params.has(name)) f[name] = params.get(name);
  return f;
}

function fillForm() {
  const form = $('#filters');
  for (const name of FILTERS) form.elements[name].value = state.filters[name] ?? '';
}

function readForm() {
  const form = $('#filters');
  const f = {};
  for (const name of FILTERS) {
    const v = form.elements[name].value.trim();
    if (v !== '') f[name] = v;
  }
  if (!('reviewed' in f)) f.reviewed = '';
  return f;
}

function hashFor(filters) {
  const params = new URLSearchParams();
  for (const name of FILTERS)
    if (filters[name] !== undefined && filters[name] !== DEFAULTS[name]) params.set(name, filters[name]);
  const s = params.toString();
  return `#/queue${s ? `?${s}` : ''}`;
}

function apiQuery(cursor) {
  const f = state.filters;
  return query({
    reviewed: f.reviewed === '' ? undefined : f.reviewed,
    listId: f.listId,
    category: f.category,
    minScore: f.minScore,
    maxScore: f.maxScore,
    batchId: f.batchId,
    order: f.order,
    limit: PAGE,
    cursor,
  });
}

async function loadLists() {
  try {
    state.lists = (await getJson('/v1/review/lists')).lists;
  } catch (err) {
    announce(errorText(err), 'error');
  }
  renderListOptions();
}

function listLabel(l) {
  return t('filter.listOption', { name: l.name, source: l.source, version: l.currentVersion ?? t('common.none') });
}

function renderListOptions() {
  const filter = $('#f-list');
  const keep = state.filters.listId ?? '';
  clear(filter).append(
    h('option', { value: '', text: t('filter.allLists') }),
    ...state.lists.filter((l) => l.kind === 'block').map((l) => h('option', { value: l.id, text: listLabel(l) })),
  );
  filter.value = keep;
  const allow = $('#review-allow');
  const chosen = allow.value;
  clear(allow).append(
    h('option', { value: '', text: t('review.allowNone') }),
    ...state.lists
      .filter((l) => l.kind === 'allow' && l.enabled)
      .map((l) => h('option', { value: l.id, text: listLabel(l) })),
  );
  allow.value = chosen;
}

async function load({ append = false } = {}) {
  const id = ++state.loadId;
  const cursor = append ? state.next : undefined;
  $('#queue-more').disabled = true;
  try {
    const page = await getJson(`/v1/matches${apiQuery(cursor)}`);
    if (id !== state.loadId) return;
    state.rows = append ? [...state.rows, ...page.matches] : page.matches;
    state.next = page.next;
    if (!append) state.selected = state.rows.length > 0 ? 0 : -1;
    renderRows();
    renderPanel();
    if (append) announce(t('queue.loadedMore', { count: formatNumber(page.matches.length) }));
  } catch (err) {
    if (id === state.loadId) announce(errorText(err), 'error');
  } finally {
    $('#queue-more').disabled = false;
  }
}

function itemCell(m) {
  const digests = [];
  if (m.item.sha256) digests.push(digestText('sha256', m.item.sha256));
  if (m.item.md5) digests.push(digestText('md5', m.item.md5));
  if (digests.length === 0 && m.item.sha1) digests.push(digestText('sha1', m.item.sha1));
  const media = mediaSummary({ ...m.item, frameCount: frameCountOf(m.frames) });
  return h(
    'td',
    {},
    h('div', { class: 'digests' }, digests),
    h('div', { class: 'sub', text: media }),
    timeline(m.frames),
  );
}

function row(m, i) {
  const selected = i === state.selected;
  return h(
    'tr',
    {
      tabindex: selected ? 0 : -1,
      class: m.verdict ? 'reviewed' : null,
      'aria-current': selected ? 'true' : null,
      dataset: { index: String(i), matchId: String(m.id) },
      onclick: () => select(i),
    },
    h(
      'td',
      {},
      scoreBadge(m.score),
      m.lowConfidence ? h('span', { class: 'flag', text: t('match.lowQuality') }) : null,
    ),
    h(
      'td',
      {},
      h('div', { text: algorithmText(m) }),
      h('div', {
        class: 'sub',
        text: t('match.distance', { distance: formatNumber(m.distance), threshold: formatNumber(m.threshold) }),
      }),
      m.quality === null
        ? null
        : h('div', { class: 'sub', text: t('match.quality', { quality: formatNumber(m.quality) }) }),
    ),
    h(
      'td',
      {},
      h('div', { text: m.list.name }),
      h('div', {
        class: 'sub',
        text: t('match.listMeta', { source: m.list.source, version: formatNumber(m.list.version) }),
      }),
      h('div', { class: 'sub', text: t('match.category', { category: m.category ?? t('common.none') }) }),
    ),
    itemCell(m),
    h(
      'td',
      {},
      h('div', { text: m.batch.caseRef ?? t('common.none') }),
      m.batch.tipId ? h('div', { class: 'sub', text: t('match.tip', { tip: m.batch.tipId }) }) : null,
      h(
        'div',
        { class: 'sub' },
        h('a', { href: `#/batch/${m.batch.id}`, text: t('match.batchLink', { id: m.batch.id }) }),
      ),
      h('div', { class: 'sub', text: formatDate(m.batch.receivedAt) }),
    ),
    h('td', { class: m.verdict ? `verdict v-${m.verdict}` : 'verdict', text: verdictText(m.verdict) }),
  );
}

function renderRows() {
  const body = clear($('#queue-body'));
  body.append(...state.rows.map(row));
  const empty = $('#queue-empty');
  empty.hidden = state.rows.length > 0;
  empty.textContent = state.filters.reviewed === 'false' ? t('queue.empty') : t('queue.emptyFiltered');
  $('#queue-more').hidden = state.next === null;
  $('#queue-count').textContent =
    state.rows.length === 0
      ? ''
      : t(state.next === null ? 'queue.shownAll' : 'queue.shownMore', { count: formatNumber(state.rows.length) });
}

function renderPanel() {
  showInPanel(state.rows[state.selected], (id) => state.rows[state.selected]?.id === id);
}

function rowEl(i) {
  return $(`#queue-body tr[data-index="${i}"]`);
}

function select(i, { focus = true } = {}) {
  if (i < 0 || i >= state.rows.length) return;
  const previous = rowEl(state.selected);
  if (previous) {
    previous.tabIndex = -1;
    previous.removeAttribute('aria-current');
  }
  state.selected = i;
  const el = rowEl(i);
  el.tabIndex = 0;
  el.setAttribute('aria-current', 'true');
  if (focus) el.focus();
  el.scrollIntoView({ block: 'nearest' });
  renderPanel();
}

async function review(verdict) {
  const i = state.selected;
  const m = state.rows[i];
  if (!m || state.busy) return;
  const note = $('#review-note').value.trim();
  const allow = $('#review-allow').value;
  const body = { verdict };
  if (note) body.note = note;
  if (verdict === 'false_positive' && allow) body.allowListId = Number(allow);
  state.busy = true;
  for (const b of $$('#review-panel [data-verdict]')) b.disabled = true;
  try {
    const result = await postJson(`/v1/matches/${m.id}/review`, body);
    m.verdict = verdict;
    let message = t(`review.done.${verdict}`, { id: m.id });
    if (result.allowList) {
      message += ` ${t(result.allowList.alreadyListed ? 'review.allowAlready' : 'review.allowAdded', {
        list: result.allowList.listName,
        version: formatNumber(result.allowList.version),
      })}`;
    }
    announce(message);
    $('#review-note').value = '';
    $('#review-allow').value = '';
    rowEl(i)?.replaceWith(row(m, i));
    if (i + 1 < state.rows.length) select(i + 1);
    else select(i);
  } catch (err) {
    announce(errorText(err), 'error');
  } finally {
    state.busy = false;
    for (const b of $$('#review-panel [data-verdict]')) b.disabled = false;
  }
}

let wired = false;
function wire() {
  if (wired) return;
  wired = true;
  $('#filters').addEventListener('submit', (event) => {
    event.preventDefault();
    const next = hashFor(readForm());
    if (location.hash === next) {
      state.filters = filtersFrom(new URLSearchParams(next.split('?')[1] ?? ''));
      void load();
    } else location.hash = next;
  });
  $('#filters').addEventListener('reset', (event) => {
    event.preventDefault();
    location.hash = '#/queue';
  });
  $('#queue-more').addEventListener('click', () => void load({ append: true }));
  for (const b of $$('#review-panel [data-verdict]')) b.addEventListener('click', () => void review(b.dataset.verdict));
}

export const queueView = {
  async show(route) {
    wire();
    state.filters = filtersFrom(route.params);
    fillForm();
    renderListOptions();
    await Promise.all([state.lists.length === 0 ? loadLists() : Promise.resolve(), load()]);
    fillForm();
  },
  hide() {
    state.loadId++;
  },
  relabel() {
    renderListOptions();
    renderRows();
    renderPanel();
  },
  /** Escape in the note field goes back to the selected match, keeping the note. */
  leaveField(event) {
    if (event.target.id === 'review-note') rowEl(state.selected)?.focus();
  },
  onKey(event) {
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    // Arrows move between matches only from the list itself; elsewhere they scroll the page.
    const inList =
      event.target instanceof Element &&
      (event.target.closest('#queue-table') || event.target === document.body || event.target.id === 'main');
    if ((key === 'ArrowDown' || key === 'ArrowUp') && !inList) return false;
    if (key === 'j' || key === 'ArrowDown') select(Math.min(state.selected + 1, state.rows.length - 1));
    else if (key === 'k' || key === 'ArrowUp') select(Math.max(state.selected - 1, 0));
    else if (key in VERDICT_KEYS) void review(VERDICT_KEYS[key]);
    else if (key === 'n' && state.selected >= 0) $('#review-note').focus();
    else return false;
    return true;
  },
};
