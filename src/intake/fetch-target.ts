import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppError } from '../core/errors.js';
import { refusalReason, type AllowList } from './fetch-address.js';

/** Resolves a host name to IP addresses (tests inject one to simulate DNS). */
export type Resolver = (hostname: string) => Promise<readonly string[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address, in resolver order. */
export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Parses a URL to fetch: http(s) only. Credentials are stripped (never sent, never shown) and
 * so is the fragment. IPv4 literals in decimal, octal or hex (`http://2130706433/`,
 * `http://0x7f.1/`) are normalised by the WHATWG parser to dotted form, and so are checked as
 * the addresses they are.
 */
export function parseFetchUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new AppError(
      'url_invalid',
      base ? 'The redirect target is not a valid URL' : 'Expected an absolute http or https URL',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('url_invalid', `Only http and https URLs are fetched, not ${url.protocol.slice(0, 20)}`);
  }
  if (url.hostname === '') throw new AppError('url_invalid', 'Expected a host in the URL');
  url.username = '';
  url.password = '';
  url.hash = '';
  return url;
}

/** The part of a URL that is safe in messages and logs: scheme and host, no path or query. */
export function origin(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/** The host as the resolver and the policy see it: IPv6 literals without brackets. */
export function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Resolves the URL's host once and returns the addresses to pin the connection to, or refuses
 * the URL if any of them is not public. Refusing when any address is bad (rather than using
 * the good ones) keeps the outcome independent of resolver order and flags hosts that mix
 * internal and public addresses, a common rebinding setup. For a host name the message names
 * the kind of address but not the address: with a split-horizon resolver it would otherwise
 * map internal names for whoever submits URLs.
 */
export async function pinAddresses(url: URL, allow: AllowList, resolver: Resolver): Promise<string[]> {
  const host = bareHost(url);
  const literal = isIP(host) !== 0;
  const addresses = literal ? [host] : await resolve(url, host, resolver);
  for (const address of addresses) {
    const reason = refusalReason(address, host, allow);
    if (reason !== null) {
      const what = literal ? `${host} is a ${reason}` : `the host resolves to a ${reason}`;
      throw new AppError('url_refused', `Refused to fetch from ${origin(url)}: ${what}`);
    }
  }
  return addresses;
}

async function resolve(url: URL, host: string, resolver: Resolver): Promise<string[]> {
  let addresses: readonly string[];
  try {
    addresses = await resolver(host);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    // NXDOMAIN is an answer, not an outage: retrying will not help.
    const permanent = code === 'ENOTFOUND';
    const why = permanent
      ? 'the host does not exist'
      : `DNS lookup failed (${typeof code === 'string' ? code : 'error'})`;
    throw new AppError('fetch_failed', `Could not fetch from ${origin(url)}: ${why}`, { cause: err, permanent });
  }
  if (addresses.length === 0)
    throw new AppError('fetch_failed', `Could not fetch from ${origin(url)}: the host has no address`);
  return [...addresses];
}
