/**
 * The review panel: the selected match in full — what matched, the list and its version,
 * the item's digests (copyable) and what is known of it, the case — and its earlier reviews.
 */
import { getJson } from './api.js';
import { $, clear, h } from './dom.js';
import { errorText, frameCountOf, fullDigest, mediaSummary, scoreBadge } from './format.js';
import { formatDate, formatNumber, t } from './i18n.js';
import { announce } from './status.js';
import { timeline } from './timeline.js';

export function verdictText(verdict) {
  return verdict ? t(`verdict.state.${verdict}`) : t('verdict.state.none');
}

export function algorithmText(m) {
  return m.via && m.via !== m.algorithm && m.via !== 'digest'
    ? t('match.via', { algorithm: m.algorithm, via: m.via })
    : m.algorithm;
}

function detail(term, ...value) {
  return [h('dt', { text: term }), h('dd', {}, ...value)];
}

function scoreExplanation(m) {
  if (m.score >= 100) return t('score.exact');
  if (m.lowConfidence) return t('score.lowQuality');
  return t('score.perceptual');
}

/** Shows match `m` (or nothing) in the panel; `isCurrent(id)` tells a late answer from a stale one. */
export function renderPanel(m, isCurrent) {
  $('#review-empty').hidden = m !== undefined;
  $('#review-body').hidden = m === undefined;
  if (!m) return;
  const digests = ['sha256', 'md5', 'sha1']
    .filter((a) => m.item[a])
    .flatMap((a) => detail(a, fullDigest(a, m.item[a], announce)));
  clear($('#review-summary')).append(
    h('strong', { text: t('review.matchNo', { id: m.id }) }),
    ' ',
    scoreBadge(m.score),
    ' ',
    scoreExplanation(m),
    ' ',
    h('span', { class: m.verdict ? `verdict v-${m.verdict}` : 'verdict', text: `(${verdictText(m.verdict)})` }),
  );
  clear($('#review-details')).append(
    ...detail(
      t('col.match'),
      `${algorithmText(m)} · ${t('match.distance', { distance: formatNumber(m.distance), threshold: formatNumber(m.threshold) })}`,
      m.quality === null ? '' : ` · ${t('match.quality', { quality: formatNumber(m.quality) })}`,
    ),
    ...detail(
      t('col.list'),
      t('match.listFull', { name: m.list.name, source: m.list.source, version: formatNumber(m.list.version) }),
    ),
    ...detail(t('match.entry'), m.entry.externalId ?? String(m.entry.id)),
    ...detail(t('filter.category'), m.category ?? t('common.none')),
    ...digests,
    ...detail(t('match.media'), mediaSummary({ ...m.item, frameCount: frameCountOf(m.frames) })),
    ...detail(t('match.source'), m.item.source),
    ...detail(
      t('col.case'),
      m.batch.caseRef ?? t('common.none'),
      m.batch.tipId ? ` · ${t('match.tip', { tip: m.batch.tipId })}` : '',
    ),
    ...detail(t('match.received'), formatDate(m.batch.receivedAt)),
    ...detail(t('match.matchedAt'), formatDate(m.createdAt)),
  );
  clear($('#review-timeline')).append(timeline(m.frames) ?? '');
  void renderHistory(m, isCurrent);
}

async function renderHistory(m, isCurrent) {
  const list = clear($('#review-history'));
  if (!m.verdict) {
    list.append(h('li', { class: 'empty', text: t('review.noHistory') }));
    return;
  }
  try {
    const full = await getJson(`/v1/matches/${m.id}`);
    if (!isCurrent(m.id)) return;
    list.append(
      ...full.reviews.map((r) =>
        h(
          'li',
          {},
          h('strong', { text: verdictText(r.verdict) }),
          ' ',
          t('review.by', { reviewer: r.reviewer, at: formatDate(r.at) }),
          r.note ? h('div', { class: 'note', text: r.note }) : null,
        ),
      ),
    );
  } catch (err) {
    list.append(h('li', { class: 'error', text: errorText(err) }));
  }
}
