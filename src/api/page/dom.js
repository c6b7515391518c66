/**
 * Elements are built with createElement and textContent only — never innerHTML — so text
 * from the API (file names, URLs, notes) cannot become markup. Elements that could load or
 * draw media are refused outright, whatever the caller asks for.
 */
const REFUSED = new Set([
  'img',
  'picture',
  'source',
  'video',
  'audio',
  'track',
  'object',
  'embed',
  'iframe',
  'canvas',
  'image',
]);
const SVG_NS = 'http://www.w3.org/2000/svg';

function refuse(tag) {
  if (REFUSED.has(tag.toLowerCase())) throw new Error(`The review page never creates <${tag}> elements`);
}

function apply(el, props) {
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === '') continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** h('td', {class: 'num'}, 'text', otherElement) */
export function h(tag, props = {}, ...children) {
  refuse(tag);
  const el = document.createElement(tag);
  apply(el, props);
  append(el, children);
  return el;
}

/** The same for SVG shapes (the video timeline): geometry only, nothing that loads. */
export function svg(tag, props = {}, ...children) {
  refuse(tag);
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, props);
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Typing in a field must never trigger a shortcut. */
export function isTyping(target) {
  if (!(target instanceof Element)) return false;
  return target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]') !== null;
}
