/**
 * Thai and English. Every visible string comes from i18n/<lang>.json (the two have the same
 * keys; a test checks it). Static markup names its string with data-i18n (text) or
 * data-i18n-<attribute>; code calls t(key, params). The language and calendar persist in
 * localStorage — preferences only, never the key.
 */
export const LANGUAGES = ['th', 'en'];
export const CALENDARS = ['buddhist', 'gregory'];
const LANG_KEY = 'tiphash.lang';
const CALENDAR_KEY = 'tiphash.calendar';
const BASE_LOCALE = { th: 'th-TH', en: 'en-GB' };
const ATTRIBUTES = ['aria-label', 'title', 'placeholder'];

let dict = {};
let lang = 'en';
let calendar = 'gregory';
const listeners = [];

export const currentLanguage = () => lang;
export const currentCalendar = () => calendar;

/** The stored choice, else the browser's preference (Thai first: it is the users' working language). */
function initialLanguage() {
  const stored = localStorage.getItem(LANG_KEY);
  if (LANGUAGES.includes(stored)) return stored;
  return navigator.languages.some((l) => l.toLowerCase().startsWith('en')) &&
    !navigator.languages.some((l) => l.toLowerCase().startsWith('th'))
    ? 'en'
    : 'th';
}

export async function initI18n() {
  const stored = localStorage.getItem(CALENDAR_KEY);
  const language = initialLanguage();
  calendar = CALENDARS.includes(stored) ? stored : language === 'th' ? 'buddhist' : 'gregory';
  await setLanguage(language);
}

export async function setLanguage(next) {
  if (!LANGUAGES.includes(next)) throw new Error(`Unknown language ${next}`);
  const res = await fetch(`/page/i18n/${next}.json`, { cache: 'no-store', credentials: 'omit' });
  if (!res.ok) throw new Error(`Could not load the ${next} dictionary (${res.status})`);
  dict = await res.json();
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next;
  relabel();
}

export function setCalendar(next) {
  if (!CALENDARS.includes(next)) throw new Error(`Unknown calendar ${next}`);
  calendar = next;
  localStorage.setItem(CALENDAR_KEY, next);
  relabel();
}

/** Re-renders whatever depends on the language: static markup, then each registered view. */
function relabel() {
  document.title = t('app.title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const attr of ATTRIBUTES) {
    for (const el of document.querySelectorAll(`[data-i18n-${attr}]`))
      el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`)));
  }
  for (const fn of listeners) fn();
}

export function onLanguageChange(fn) {
  listeners.push(fn);
}

/** The string for `key` with `{name}` placeholders filled in. A missing key shows itself, loudly. */
export function t(key, params = {}) {
  const s = dict[key];
  if (typeof s !== 'string') {
    console.error(`tiphash: no ${lang} string for ${key}`);
    return `⟦${key}⟧`;
  }
  return s.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** `t(prefix + value)` when the dictionary has it, else the raw value (an action code the page does not know). */
export function tOr(key, fallback) {
  return typeof dict[key] === 'string' ? dict[key] : fallback;
}

export function locale() {
  return `${BASE_LOCALE[lang]}-u-ca-${calendar}`;
}

export function formatDate(value) {
  if (value === null || value === undefined) return t('common.none');
  const date = value instanceof Date ? value : new Date(value);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}

export function formatNumber(n, options) {
  return new Intl.NumberFormat(locale(), options).format(n);
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'];
export function formatBytes(n) {
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return formatNumber(value, {
    style: 'unit',
    unit: BYTE_UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  });
}

/** Seconds as m:ss.s, the way a video player shows a position. */
export function formatSeconds(s) {
  const minutes = Math.floor(s / 60);
  const rest = s - minutes * 60;
  const seconds = formatNumber(rest, { minimumIntegerDigits: 2, maximumFractionDigits: 1, useGrouping: false });
  return `${formatNumber(minutes, { useGrouping: false })}:${seconds}`;
}
