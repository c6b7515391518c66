/** Shared renderings of match and item metadata: what is known in place of a picture. */
import { h } from './dom.js';
import { formatBytes, formatNumber, t, tOr } from './i18n.js';

/** 3f2a91…c1d0: enough to compare by eye; the full value is one focus or click away. */
export function shortDigest(hex) {
  return hex.length <= 16 ? hex : `${hex.slice(0, 8)}…${hex.slice(-6)}`;
}

async function copy(algo, hex, announce) {
  try {
    await navigator.clipboard.writeText(hex);
    announce(t('digest.copied', { algo }));
  } catch {
    // The clipboard needs a secure context (https or localhost); the full value stays selectable.
    announce(t('digest.copyFailed', { algo }));
  }
}

/** A digest as a button: shows it short, announces it in full, copies it in full. */
export function digestButton(algo, hex, announce) {
  return h(
    'button',
    {
      type: 'button',
      class: 'digest',
      title: hex,
      // The name starts with the visible text (label in name), then gives the full value.
      'aria-label': t('digest.copyLabel', { algo, short: shortDigest(hex), value: hex }),
      onclick: (event) => {
        event.stopPropagation();
        void copy(algo, hex, announce);
      },
    },
    h('span', { class: 'algo', text: algo }),
    ' ',
    h('code', { text: shortDigest(hex) }),
  );
}

/** A digest shown short, not focusable: rows of the queue stay one tab stop each. */
export function digestText(algo, hex) {
  return h(
    'span',
    { class: 'digest', title: hex },
    h('span', { class: 'algo', text: algo }),
    ' ',
    h('code', { text: shortDigest(hex) }),
  );
}

/** The full digest with a button that copies it (the review panel). */
export function fullDigest(algo, hex, announce) {
  return [
    h('code', { class: 'full-digest', text: hex }),
    ' ',
    h('button', {
      type: 'button',
      class: 'btn small',
      text: t('digest.copy'),
      'aria-label': t('digest.copyAlgo', { algo }),
      onclick: () => void copy(algo, hex, announce),
    }),
  ];
}

export function scoreClass(score) {
  if (score >= 100) return 'score s-exact';
  if (score >= 75) return 'score s-high';
  if (score >= 50) return 'score s-mid';
  return 'score s-low';
}

export function scoreBadge(score) {
  return h('span', { class: scoreClass(score), text: formatNumber(score, { maximumFractionDigits: 0 }) });
}

/** "image/jpeg · 1 280 × 720 · 24 kB · 120 frames", from whatever is known. */
export function mediaSummary({ mediaType, width, height, size, frameCount }) {
  const parts = [];
  parts.push(mediaType ?? t('media.unknownType'));
  if (width != null && height != null) {
    parts.push(t('media.dimensions', { width: formatNumber(width), height: formatNumber(height) }));
  }
  if (size != null) parts.push(formatBytes(size));
  if (frameCount != null) parts.push(t('media.frames', { count: formatNumber(frameCount) }));
  return parts.join(' · ');
}

/** The number of frames when a video match says it (`frames.frameCount`). */
export function frameCountOf(frames) {
  return frames && typeof frames === 'object' && !Array.isArray(frames) && typeof frames.frameCount === 'number'
    ? frames.frameCount
    : null;
}

/** A translated error: the catalogue code's sentence, and the server's own words for the detail. */
export function errorText(err) {
  const code = err?.code ?? 'internal';
  const known = tOr(`code.${code}`, t('code.internal'));
  return err?.message && code !== 'network' ? t('error.withDetail', { text: known, detail: err.message }) : known;
}
