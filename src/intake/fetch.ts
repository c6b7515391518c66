import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { AppError, invalidArgument } from '../core/errors.js';
import { EMPTY_ALLOW_LIST, parseAllowList } from './fetch-address.js';
import { guardBody, networkError, tooLarge } from './fetch-body.js';
import { Deadline } from './fetch-deadline.js';
import { origin, parseFetchUrl, pinAddresses, systemResolver, type Resolver } from './fetch-target.js';

export interface FetchOptions {
  /** Largest body accepted, checked against Content-Length and while streaming (default 100 MiB). */
  maxBytes?: number;
  /** Deadline for the whole fetch, redirects and body included (default 60 s). */
  timeoutMs?: number;
  /** Longest silence on the connection before giving up (default 15 s); a consumer holding back the body counts too. */
  idleTimeoutMs?: number;
  /** Redirects followed before `too_many_redirects` (default 5). */
  maxRedirects?: number;
  /**
   * Non-public destinations to permit anyway: CIDRs (`127.0.0.0/8`), addresses or host names.
   * For tests serving from 127.0.0.1 and deployments fetching from a known internal store.
   */
  allowPrivate?: readonly string[];
  /** Host name → addresses; defaults to the system resolver. */
  resolver?: Resolver;
  /** Cancels the fetch (e.g. on shutdown): fails with a transient `fetch_failed`. */
  signal?: AbortSignal;
  /** Extra trusted CA certificates (PEM), for internal HTTPS stores. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Replaces the deliberately generic default. */
  userAgent?: string;
}

export interface FetchResponse {
  /** The body, bounded by maxBytes and the deadlines; read it to the end or destroy it. */
  body: Readable;
  /** The URL finally fetched, after redirects, without credentials or fragment. */
  finalUrl: string;
  status: number;
  headers: IncomingHttpHeaders;
  contentLength?: number;
  redirects: number;
  /** The IP address the body came from (the pinned one). */
  address: string;
}

export const FETCH_DEFAULTS = {
  maxBytes: 100 * 1024 * 1024,
  timeoutMs: 60_000,
  idleTimeoutMs: 15_000,
  maxRedirects: 5,
  // Generic on purpose: whoever runs a reported URL may watch its logs, and a User-Agent naming
  // the tool or its purpose would tell them an investigation has started.
  userAgent: 'Mozilla/5.0 (compatible)',
} as const;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** 4xx answers that may change on retry; every other 4xx is permanent. */
const TRANSIENT_4XX = new Set([408, 425, 429]);

/**
 * Fetches a URL without letting it reach inside the network: http(s) only; the host resolved
 * once and the connection pinned to the checked addresses; non-public addresses refused (unless
 * allowlisted); every redirect target checked the same way; bounded in redirects, bytes and time.
 * No cookies are kept and no credentials are sent. Messages name only the scheme and host.
 */
export async function fetchUrl(rawUrl: string, opts: FetchOptions = {}): Promise<FetchResponse> {
  const settings = settingsFrom(opts);
  const allow = opts.allowPrivate ? parseAllowList(opts.allowPrivate) : EMPTY_ALLOW_LIST;
  const deadline = new Deadline(settings.timeoutMs, opts.signal);
  try {
    let url = parseFetchUrl(rawUrl);
    const seen = new Set<string>();
    for (let redirects = 0; ; redirects++) {
      seen.add(url.href);
      const addresses = await deadline.race(pinAddresses(url, allow, opts.resolver ?? systemResolver));
      const res = await request(url, addresses, settings, opts, deadline);
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode ?? 0) && location !== undefined) {
        res.destroy();
        const next = parseFetchUrl(location, url);
        if (seen.has(next.href)) throw new AppError('too_many_redirects', `Redirect loop at ${origin(next)}`);
        if (redirects >= settings.maxRedirects) {
          throw new AppError('too_many_redirects', `More than ${settings.maxRedirects} redirects from ${origin(url)}`);
        }
        url = next;
        continue;
      }
      checkStatus(res, url);
      const contentLength = declaredLength(res);
      if (contentLength !== undefined && contentLength > settings.maxBytes) {
        res.destroy();
        throw tooLarge(url, settings.maxBytes);
      }
      const body = guardBody(res, url, settings.maxBytes, deadline);
      return {
        body,
        finalUrl: url.href,
        status: res.statusCode ?? 0,
        headers: res.headers,
        ...(contentLength === undefined ? {} : { contentLength }),
        redirects,
        address: res.socket.remoteAddress ?? '',
      };
    }
  } catch (err) {
    deadline.clear();
    throw deadline.failure() ?? err;
  }
}

/** Fetches a whole body into memory (bounded by maxBytes). */
export async function fetchToBuffer(
  url: string,
  opts: FetchOptions = {},
): Promise<Omit<FetchResponse, 'body'> & { data: Buffer }> {
  const { body, ...rest } = await fetchUrl(url, opts);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return { ...rest, data: Buffer.concat(chunks) };
}

interface Settings {
  maxBytes: number;
  timeoutMs: number;
  idleTimeoutMs: number;
  maxRedirects: number;
  userAgent: string;
}

function settingsFrom(opts: FetchOptions): Settings {
  const count = (value: number | undefined, fallback: number, what: string, min: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value < min) throw invalidArgument(`an integer ≥ ${min}`, what, value);
    return value;
  };
  return {
    maxBytes: count(opts.maxBytes, FETCH_DEFAULTS.maxBytes, 'maxBytes', 1),
    timeoutMs: count(opts.timeoutMs, FETCH_DEFAULTS.timeoutMs, 'timeoutMs', 1),
    idleTimeoutMs: count(opts.idleTimeoutMs, FETCH_DEFAULTS.idleTimeoutMs, 'idleTimeoutMs', 1),
    maxRedirects: count(opts.maxRedirects, FETCH_DEFAULTS.maxRedirects, 'maxRedirects', 0),
    userAgent: opts.userAgent ?? FETCH_DEFAULTS.userAgent,
  };
}

function request(
  url: URL,
  addresses: string[],
  settings: Settings,
  opts: FetchOptions,
  deadline: Deadline,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method: 'GET',
      agent: false, // a fresh connection per request: no socket reuse across pinning decisions
      lookup: pinnedLookup(addresses),
      signal: deadline.signal,
      headers: {
        'user-agent': settings.userAgent,
        accept: '*/*',
        // The bytes as served: a compressed transfer would change the file's digests.
        'accept-encoding': 'identity',
        connection: 'close',
      },
      ...(opts.ca === undefined ? {} : { ca: opts.ca }),
    });
    req.setTimeout(settings.idleTimeoutMs, () => {
      deadline.fail(new AppError('fetch_timeout', `No data from ${origin(url)} for ${settings.idleTimeoutMs} ms`));
    });
    deadline.onFail(() => req.destroy());
    req.once('response', resolve);
    req.on('error', (err) => reject(deadline.failure() ?? networkError(err, url)));
    req.end();
  });
}

/** A lookup that answers with the already checked addresses: no second resolution before connecting. */
function pinnedLookup(addresses: readonly string[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = typeof options.family === 'number' ? options.family : 0;
    const usable = addresses
      .map((address) => ({ address, family: isIP(address) }))
      .filter((a) => family === 0 || a.family === family);
    const first = usable[0];
    if (first === undefined) {
      const err = Object.assign(new Error('No pinned address of the requested family'), { code: 'ENOTFOUND' });
      callback(err, '', 0);
    } else if (options.all === true) callback(null, usable);
    else callback(null, first.address, first.family);
  };
}

function checkStatus(res: IncomingMessage, url: URL): void {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return;
  res.destroy();
  const transient = status >= 500 || TRANSIENT_4XX.has(status);
  throw new AppError('http_status', `HTTP ${status} from ${origin(url)}`, { permanent: !transient });
}

function declaredLength(res: IncomingMessage): number | undefined {
  const header = res.headers['content-length'];
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}
