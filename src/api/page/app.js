/**
 * The review page's entry point: preferences, the login, the views and the router. Routes
 * live in the URL fragment (#/queue?batchId=3, #/batch/12, #/activity) and never carry the
 * key. No view exists until a key has been accepted by GET /v1/me.
 */
import { ApiError, getJson, session, whenUnauthorized } from './api.js';
import { $, $$, isTyping } from './dom.js';
import { errorText } from './format.js';
import { currentCalendar, currentLanguage, initI18n, onLanguageChange, setCalendar, setLanguage, t } from './i18n.js';
import { activityView } from './activity.js';
import { batchView } from './batch.js';
import { queueView } from './queue.js';
import { announce } from './status.js';

const views = { queue: queueView, batch: batchView, activity: activityView };
const state = { me: null, view: null, loginMessage: null };

function parseRoute() {
  const [path = '', search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name = 'queue', arg] = path.split('/');
  return { name: name in views ? name : 'queue', arg, params: new URLSearchParams(search) };
}

function showOnly(id) {
  for (const section of $$('main > section.view')) section.hidden = section.id !== id;
}

function showLogin(messageKey) {
  state.me = null;
  state.view?.hide();
  state.view = null;
  $('#nav').hidden = true;
  $('#who').hidden = true;
  $('#logout').hidden = true;
  state.loginMessage = messageKey ?? null;
  renderLoginMessage();
  showOnly('view-login');
  $('#login-key').focus();
}

function renderLoginMessage() {
  const el = $('#login-error');
  el.hidden = state.loginMessage === null;
  el.textContent = state.loginMessage ? t(state.loginMessage) : '';
}

function renderWho() {
  if (!state.me) return;
  const who = $('#who');
  who.hidden = false;
  who.textContent = t('auth.signedInAs', { name: state.me.name, role: t(`role.${state.me.role}`) });
  $('#logout').hidden = false;
  $('#nav').hidden = false;
}

async function route() {
  if (!state.me) return;
  const r = parseRoute();
  const next = views[r.name];
  if (state.view && state.view !== next) state.view.hide();
  state.view = next;
  for (const a of $$('#nav a')) {
    if (a.dataset.view === r.name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  showOnly(`view-${r.name}`);
  await next.show(r, state.me);
}

/** Accepts a key only after the API does, and only for roles that may review. */
async function signIn(key) {
  session.set(key);
  try {
    const me = await getJson('/v1/me');
    if (me.role !== 'analyst' && me.role !== 'admin') {
      session.clear();
      showLogin('login.wrongRole');
      return;
    }
    state.me = me;
    state.loginMessage = null;
    renderLoginMessage();
    $('#login-key').value = '';
    renderWho();
    if (!location.hash) location.hash = '#/queue';
    await route();
    $('#main').focus();
    announce(t('auth.welcome', { name: me.name }));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return showLogin('login.refused');
    session.clear();
    showLogin(null);
    $('#login-error').hidden = false;
    $('#login-error').textContent = errorText(err);
  }
}

function signOut() {
  session.clear();
  announce(t('auth.loggedOut'));
  showLogin(null);
}

function installShortcuts() {
  const dialog = $('#shortcuts');
  $('#shortcuts-open').addEventListener('click', () => dialog.showModal());
  document.addEventListener('keydown', (event) => {
    if (dialog.open || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) {
      if (event.key === 'Escape' && state.view?.leaveField) state.view.leaveField(event);
      return;
    }
    if (event.key === '?') {
      event.preventDefault();
      dialog.showModal();
      return;
    }
    if (state.me && state.view?.onKey?.(event)) event.preventDefault();
  });
}

async function main() {
  await initI18n();
  $('#pref-lang').value = currentLanguage();
  $('#pref-calendar').value = currentCalendar();
  $('#pref-lang').addEventListener('change', async (e) => {
    await setLanguage(e.target.value);
    announce(t('prefs.languageChanged'));
  });
  $('#pref-calendar').addEventListener('change', (e) => setCalendar(e.target.value));
  onLanguageChange(() => {
    renderWho();
    renderLoginMessage();
    state.view?.relabel();
  });
  whenUnauthorized(() => {
    session.clear();
    if (state.me) {
      showLogin('login.expired');
      announce(t('login.expired'));
    }
  });
  $('#login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('#login-key').value.trim();
    if (!key) {
      state.loginMessage = 'login.empty';
      renderLoginMessage();
      return;
    }
    void signIn(key);
  });
  $('#logout').addEventListener('click', signOut);
  window.addEventListener('hashchange', () => void route());
  installShortcuts();
  document.body.classList.add('ready');
  if (session.key) await signIn(session.key);
  else showLogin(null);
}

void main();
