import { pipeline, type Readable } from 'node:stream';
import { parser } from 'stream-json';
import type { Token } from 'stream-json/parser.js';
import { AppError, isAppError } from '../core/errors.js';
import type { HashAlgo } from '../core/hash.js';
import { optional, rejected, toItem, type ListItem } from './format.js';
import { VicsWalker, type VicsRecord } from './vics-walker.js';

/** Hash fields on a Media record, by lower-cased key. */
const FIELDS: ReadonlyMap<string, HashAlgo> = new Map([
  ['md5', 'md5'],
  ['sha1', 'sha1'],
  ['sha256', 'sha256'],
]);

/** AlternativeHashes names tiphash can match, lower-cased without punctuation; others (PhotoDNA…) are ignored. */
const ALTERNATIVE: ReadonlyMap<string, HashAlgo> = new Map([...FIELDS, ['pdq', 'pdq']]);

/**
 * Project VIC VICS JSON, 1.x (`odata.metadata`) or 2.0 (`@odata.context`), as a hash set or a case
 * export. Each Media record gives one entry per hash: MD5, SHA1 (SHA256 if present) and the
 * AlternativeHashes named PDQ/MD5/SHA1/SHA256. MediaID becomes the entry id; Category is kept as
 * the raw code (the meaning of the codes differs by national programme). Rejections carry the
 * 1-based Media record number (document order) in `line`, and say so in the reason.
 */
export async function* parseVics(input: Readable): AsyncGenerator<ListItem> {
  const tokens = pipeline(input, parser.asStream({ streamValues: false }), () => undefined);
  const walker = new VicsWalker();
  const records: VicsRecord[] = [];
  let pending: ListItem[] = [];
  let index = 0;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    wake?.();
    wake = undefined;
  };
  // Tokens are handled synchronously as they are parsed (iterating them one await at a time
  // costs three times the parse); the stream is paused while the consumer catches up.
  tokens.on('data', (token: Token) => {
    try {
      walker.push(token, records);
    } catch (err) {
      failure = err;
      tokens.destroy();
    }
    for (const record of records) pending.push(...recordItems(record, ++index));
    records.length = 0;
    if (pending.length >= PAUSE_AT) tokens.pause();
    signal();
  });
  tokens.once('end', () => {
    ended = true;
    signal();
  });
  tokens.once('error', (err) => {
    failure ??= err;
    signal();
  });
  try {
    for (;;) {
      if (pending.length > 0) {
        const batch = pending;
        pending = [];
        tokens.resume();
        yield* batch;
      } else if (failure !== undefined) {
        throw invalidJson(failure);
      } else if (ended) {
        break;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    tokens.destroy();
  }
  if (walker.context === null || !walker.sawValue) {
    throw new AppError(
      'list_invalid',
      'Expected a VICS document with "@odata.context" (or "odata.metadata") and "value"',
    );
  }
}

/** Items waiting for the consumer before parsing pauses. */
const PAUSE_AT = 1000;

function invalidJson(err: unknown): unknown {
  if (isAppError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('list_invalid', `The VICS JSON is invalid: ${message}`, { cause: err });
}

/** The entries (and rejections) of one Media record. */
export function recordItems(record: VicsRecord, index: number): ListItem[] {
  const fields = new Map(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
  const id = text(fields.get('mediaid'));
  const category = text(fields.get('category'));
  const where = `Media record #${index}${id === null ? '' : ` (MediaID ${id})`}: `;
  const found: { algorithm: HashAlgo; value: string; label: string }[] = [];
  for (const [key, algorithm] of FIELDS) {
    const value = text(fields.get(key));
    if (value !== null) found.push({ algorithm, value, label: key.toUpperCase() });
  }
  const alternatives = fields.get('alternativehashes');
  if (Array.isArray(alternatives)) {
    for (const alt of alternatives) {
      const hash = alternativeHash(alt);
      if (hash !== null) found.push(hash);
    }
  }
  if (found.length === 0) return [rejected(index, `${where}no MD5, SHA1 or supported alternative hash`)];
  const seen = new Set<string>();
  const items: ListItem[] = [];
  for (const { algorithm, value, label } of found) {
    const item = toItem(algorithm, value, category, id, index, `${where}${label}: `);
    if (item.kind === 'entry') {
      const key = `${algorithm}:${item.entry.hash}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    items.push(item);
  }
  return items;
}

function alternativeHash(alt: unknown): { algorithm: HashAlgo; value: string; label: string } | null {
  if (typeof alt !== 'object' || alt === null) return null;
  const fields = new Map(Object.entries(alt).map(([k, v]) => [k.toLowerCase(), v]));
  const name = text(fields.get('hashname'));
  const value = text(fields.get('hashvalue'));
  const algorithm = name === null ? undefined : ALTERNATIVE.get(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
  if (algorithm === undefined || value === null) return null;
  return { algorithm, value: algorithm === 'pdq' ? pdqAsHex(value) : value, label: `AlternativeHashes ${name}` };
}

/** Tools differ in how they write PDQ: 64 hex digits, or base64 of the 32 bytes. */
function pdqAsHex(value: string): string {
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) return Buffer.from(value, 'base64').toString('hex');
  return value;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return optional(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}
