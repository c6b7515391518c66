import { normaliseHash } from '../core/algorithms.js';
import type { HashAlgo } from '../core/hash.js';
import type { ListEntry, RejectedLine } from '../core/match.js';

/**
 * The list file formats tiphash reads:
 * - `tiphash-csv`: header `algorithm,hash,category,id` (any order; category and id optional)
 * - `pytx-csv`: python-threatexchange's `dataset --csv` output (`signal_type,signal_str,collab,category,tags`)
 * - `plain`: `<algorithm> <hash>` per line, `#` comments
 * - `vics`: Project VIC VICS JSON 1.x (`odata.metadata`) and 2.0 (`@odata.context`)
 * - `vpdq`: a vPDQ hash file (`frame,quality,pdq,timestamp` lines, one video), or a directory
 *   of them (see vpdq.ts)
 */
export const LIST_FORMATS = ['tiphash-csv', 'pytx-csv', 'plain', 'vics', 'vpdq'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

export function isListFormat(s: string): s is ListFormat {
  return (LIST_FORMATS as readonly string[]).includes(s);
}

/** What reading a list yields, in file order: an entry, or a line that could not be used and why. */
export type ListItem = { kind: 'entry'; entry: ListEntry } | { kind: 'rejected'; rejected: RejectedLine };

export function rejected(line: number, reason: string): ListItem {
  return { kind: 'rejected', rejected: { line, reason } };
}

/** Validates and normalises one hash; a bad hash becomes a rejection carrying the line. */
export function toItem(
  algorithm: HashAlgo,
  rawHash: string,
  category: string | null,
  id: string | null,
  line: number,
  where = '',
): ListItem {
  const checked = normaliseHash(algorithm, rawHash);
  if ('reason' in checked) return rejected(line, where + checked.reason);
  if (algorithm === 'vpdq' && id === null) {
    return rejected(
      line,
      where + 'A vpdq row is one frame of a video: it needs an id naming the video (frames of one video share it)',
    );
  }
  return { kind: 'entry', entry: { algorithm, hash: checked.hash, category, id, line } };
}

/** Empty or whitespace-only strings become null, so "no category" has one representation. */
export function optional(value: string | undefined): string | null {
  const v = value?.trim();
  return v ? v : null;
}

/** Quotes a value from the file for a message, cut short so a garbage line cannot flood a report. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
