/**
 * Recent actions from the audit log, newest first: the caller's own (an analyst checks that a
 * review was recorded), or everyone's for an admin. Reads are left out unless asked for.
 */
import { getJson, query } from './api.js';
import { $, clear, h } from './dom.js';
import { errorText } from './format.js';
import { formatDate, formatNumber, t, tOr } from './i18n.js';
import { announce } from './status.js';

const PAGE = 50;
const state = { rows: [], next: null, me: null, loadId: 0 };

async function load({ append = false } = {}) {
  const id = ++state.loadId;
  try {
    const page = await getJson(
      `/v1/activity${query({
        limit: PAGE,
        before: append ? state.next : undefined,
        reads: $('#activity-reads').checked ? 'true' : undefined,
        all: $('#activity-all').checked ? 'true' : undefined,
      })}`,
    );
    if (id !== state.loadId) return;
    state.rows = append ? [...state.rows, ...page.rows] : page.rows;
    state.next = page.next;
    render();
  } catch (err) {
    if (id === state.loadId) announce(errorText(err), 'error');
  }
}

/** The details worth reading, in words; anything else as compact JSON. */
function detailText(row) {
  const d = row.details ?? {};
  const parts = [];
  if (typeof d.verdict === 'string') parts.push(tOr(`verdict.state.${d.verdict}`, d.verdict));
  if (d.allowList && typeof d.allowList === 'object') {
    parts.push(
      t(d.allowList.alreadyListed ? 'activity.allowAlready' : 'activity.allowAdded', {
        list: d.allowList.listId,
        version: formatNumber(d.allowList.version),
      }),
    );
  }
  if (row.action === 'list.allow_add') {
    parts.push(
      t('activity.allowEntries', { count: formatNumber(d.entries ?? 0), version: formatNumber(d.version ?? 0) }),
    );
  }
  if (typeof d.note === 'string' && d.note) parts.push(t('activity.note', { note: d.note }));
  if (parts.length > 0) return parts.join(' · ');
  const json = JSON.stringify(d);
  return json === '{}' ? '' : json.length > 160 ? `${json.slice(0, 159)}…` : json;
}

function render() {
  clear($('#activity-body')).append(
    ...state.rows.map((r) =>
      h(
        'tr',
        { dataset: { auditId: String(r.id) } },
        h('td', { text: formatDate(r.at) }),
        h('td', { text: r.actor }),
        h('td', { text: tOr(`action.${r.action}`, r.action) }),
        h('td', { text: r.target ?? '' }),
        h('td', { class: 'details-cell', text: detailText(r) }),
      ),
    ),
  );
  $('#activity-empty').hidden = state.rows.length > 0;
  $('#activity-more').hidden = state.next === null;
}

let wired = false;
function wire() {
  if (wired) return;
  wired = true;
  $('#activity-reads').addEventListener('change', () => void load());
  $('#activity-all').addEventListener('change', () => void load());
  $('#activity-more').addEventListener('click', () => void load({ append: true }));
}

export const activityView = {
  async show(_route, me) {
    wire();
    state.me = me;
    $('#activity-all-wrap').hidden = me.role !== 'admin';
    if (me.role !== 'admin') $('#activity-all').checked = false;
    await load();
  },
  hide() {
    state.loadId++;
  },
  relabel() {
    render();
  },
};
