import { fieldError } from './errors.js';

export const MAX_URL_LENGTH = 2048;

/**
 * A URL a submitter or the tip portal sent, split in two: `ref` is what the worker fetches
 * (kept only until the item is terminal), `label` is what people see in results and logs.
 * The label drops credentials and the query string — pre-signed links carry their token
 * there — keeping a marker that there was one. The fetcher re-checks the address (SSRF).
 */
export function submittedUrl(raw: string, field: string): { label: string; ref: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fieldError(field, 'an absolute http(s) URL', '(not a URL)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw fieldError(field, 'an http(s) URL', url.protocol);
  }
  if (url.hostname === '') throw fieldError(field, 'a URL with a host', '(no host)');
  const label = `${url.protocol}//${url.host}${url.pathname}${url.search === '' ? '' : '?…'}`;
  return { label, ref: url.href };
}
