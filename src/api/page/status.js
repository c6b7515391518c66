/** The one polite live region: what just happened, read out by screen readers. */
import { $ } from './dom.js';

let timer;
export function announce(text, kind = 'info') {
  const el = $('#status');
  el.textContent = text;
  el.dataset.kind = kind;
  clearTimeout(timer);
  // Left long enough to read, then cleared so the same message can be announced again.
  timer = setTimeout(() => {
    el.textContent = '';
  }, 12_000);
}
