/**
 * The report digest: SHA-256 (lowercase hex) of the UTF-8 bytes of the report's canonical
 * JSON without its `digest` member. Canonical JSON is the audit log's: object members sorted
 * by key (UTF-16 code units), no whitespace, strings and numbers as JSON.stringify writes
 * them — for the report's data (strings, integers, short decimals, no undefined) the same
 * bytes as RFC 8785 (JCS), so any JCS library can check a copy.
 *
 * The digest does not depend on the format delivered: a report's JSON, CSV and HTML from
 * one generation carry the same digest. A batch of 100k items is hashed item by item.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../store/index.js';
import type { CaseReport, ReportBody, ReportDigestField } from './model.js';

export const DIGEST_METHOD =
  'SHA-256 of the UTF-8 bytes of the RFC 8785 canonical JSON of this report without its "digest" member';

const ITEMS = 'items';

function members(obj: object): string[] {
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
}

/**
 * Hashes `{...head, items: [...], ...tail}` as canonical JSON, the items fed one by one. The
 * caller's key split must agree with canonical order — every head key before "items", every
 * tail key after — or the bytes would not be canonical; that is checked, not assumed.
 */
export class StreamingDigest {
  private readonly hash = createHash('sha256');
  private count = 0;

  constructor(head: object) {
    const keys = Object.keys(head);
    const late = keys.find((k) => k >= ITEMS);
    if (late !== undefined)
      throw new Error(`Expected head keys to sort before "items" but received ${JSON.stringify(late)}`);
    const h = members(head);
    this.hash.update(`{${h.join(',')}${h.length > 0 ? ',' : ''}"items":[`);
  }

  item(value: unknown): void {
    this.hash.update((this.count++ === 0 ? '' : ',') + canonicalJson(value));
  }

  end(tail: object): string {
    const early = Object.keys(tail).find((k) => k <= ITEMS);
    if (early !== undefined)
      throw new Error(`Expected tail keys to sort after "items" but received ${JSON.stringify(early)}`);
    const t = members(tail);
    this.hash.update(`]${t.length > 0 ? ',' : ''}${t.join(',')}}`);
    return this.hash.digest('hex');
  }
}

/** The digest of a whole report body held in memory (a parsed JSON copy). */
export function digestOf(body: ReportBody | Omit<CaseReport, 'digest'>): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export function digestField(sha256: string): ReportDigestField {
  return { sha256, method: DIGEST_METHOD };
}
