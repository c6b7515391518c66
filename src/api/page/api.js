/**
 * The API client. The key lives in sessionStorage only: never in localStorage, a cookie or a
 * URL, and it is gone when the tab closes. Every request carries it as a Bearer header.
 */
const KEY = 'tiphash.apiKey';

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  set(key) {
    sessionStorage.setItem(KEY, key);
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
};

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let onUnauthorized = () => {};
/** Called once with what to do when the key is refused (401): back to the login form. */
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

export async function request(path, { method = 'GET', body, accept, signal } = {}) {
  const key = session.key;
  if (!key) {
    onUnauthorized();
    throw new ApiError(401, 'unauthorized', 'No API key in this session');
  }
  const headers = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (accept) headers.accept = accept;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
  }
  if (res.ok) return res;
  let error = { code: 'internal', message: res.statusText };
  try {
    error = (await res.json()).error ?? error;
  } catch {
    // Not our JSON error shape (a proxy's page): keep the status text.
  }
  if (res.status === 401) onUnauthorized();
  throw new ApiError(res.status, error.code, error.message, error.field);
}

export async function getJson(path, opts) {
  return (await request(path, opts)).json();
}

export async function postJson(path, body) {
  return (await request(path, { method: 'POST', body })).json();
}

/** Reads an NDJSON response line by line, calling `onItem` for each parsed line. */
export async function readNdjson(res, onItem) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) onItem(JSON.parse(line));
    }
  }
  if (buffered.trim()) onItem(JSON.parse(buffered));
}

/** `{a: 1, b: undefined}` → `a=1`: only the values that are set. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
