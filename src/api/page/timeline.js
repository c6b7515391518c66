/**
 * What a picture would have shown for a video, without the picture: which stretches of the
 * video matched, on a bar as long as the video, with the same ranges written out in text.
 * Accepts the shapes a match's `frames` may take: `{item: [[start, end], …], duration?,
 * frameCount?}`, a bare array of [start, end] ranges, or an array of frame timestamps.
 */
import { h, svg } from './dom.js';
import { formatSeconds, t } from './i18n.js';

const WIDTH = 1000;
/** A single matched frame still gets a visible mark. */
const MIN_MARK = 4;

function isRange(r) {
  return Array.isArray(r) && r.length === 2 && r.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** `frames` → {ranges, duration?} or null when there is nothing to draw. */
export function matchedRanges(frames) {
  let raw = frames;
  let duration;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    duration = typeof raw.duration === 'number' ? raw.duration : undefined;
    raw = raw.item ?? raw.ranges ?? raw.timestamps;
  }
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const ranges = raw.every(isRange)
    ? raw.map(([a, b]) => [Math.min(a, b), Math.max(a, b)])
    : raw.every((x) => typeof x === 'number' && Number.isFinite(x))
      ? raw.map((x) => [x, x])
      : null;
  if (!ranges) return null;
  ranges.sort((a, b) => a[0] - b[0]);
  return { ranges, duration };
}

export function timeline(frames) {
  const found = matchedRanges(frames);
  if (!found) return null;
  const end = Math.max(...found.ranges.map((r) => r[1]));
  const known = found.duration !== undefined && found.duration >= end;
  // Without the video's length, the bar runs to one second past the last matched frame.
  const length = known ? found.duration : end + 1;
  const text = found.ranges
    .map(([a, b]) =>
      a === b ? formatSeconds(a) : t('timeline.range', { start: formatSeconds(a), end: formatSeconds(b) }),
    )
    .join(', ');
  const caption = known
    ? t('timeline.caption', { ranges: text, length: formatSeconds(length) })
    : t('timeline.captionOpen', { ranges: text });
  const bar = svg(
    'svg',
    {
      class: 'timeline-bar',
      viewBox: `0 0 ${WIDTH} 10`,
      preserveAspectRatio: 'none',
      'aria-hidden': 'true',
      focusable: 'false',
    },
    svg('rect', { class: 'timeline-track', x: 0, y: 0, width: WIDTH, height: 10 }),
    found.ranges.map(([a, b]) =>
      svg('rect', {
        class: 'timeline-hit',
        x: (a / length) * WIDTH,
        y: 0,
        width: Math.max(((b - a) / length) * WIDTH, MIN_MARK),
        height: 10,
      }),
    ),
  );
  return h('figure', { class: 'timeline' }, bar, h('figcaption', { text: caption }));
}
