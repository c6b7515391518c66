import type { ErrorInfo } from './errors.js';
import type { HashAlgo } from './hash.js';

export type Verdict = 'matched' | 'no_match' | 'failed';

/** One entry of a hash list, as read from a list file. `hash` is lowercase hex. */
export interface ListEntry {
  algorithm: HashAlgo;
  hash: string;
  category: string | null;
  /** The list's own id for the entry (MediaID, id column), or null when the file has none. */
  id: string | null;
  /** 1-based line (or record) number in the source file, for error reports. */
  line: number;
  /** The store's id for the entry, when it was loaded from the store. */
  storeId?: number;
  /**
   * vpdq only: one entry per frame hash; the frames of one video share `id`. Present when the
   * list says where the frame came from (vPDQ hash files, pytx signals).
   */
  frame?: { index: number; ts: number; quality: number };
}

export interface RejectedLine {
  line: number;
  reason: string;
}

/** One item matched one list entry. Metadata only. */
export interface MatchRecord {
  list: string;
  entryId: string;
  algorithm: HashAlgo;
  distance: number;
  threshold: number;
  /** 0–100, defined in src/matching/score.ts: what people see first. */
  score: number;
  category: string | null;
  /** PDQ quality of the item's hash; matches below the minimum are kept but flagged. */
  quality?: number;
  lowConfidence?: boolean;
  /**
   * Which of the item's hashes matched: 'pdq', 'pdqTrimmed', a trim variant ('trimTB', 'trimLR',
   * 'trimCentredTB', 'trimCentredLR'), a dihedral name such as 'rot90', 'blockhash', 'digest',
   * or for a video 'vpdq' / 'vpdqTrimmed' (its frames inside the bars).
   */
  via?: string;
  /**
   * vpdq only: the share of the item's frames that matched the entry (query %) and of the
   * entry's frames that matched the item (compared %), 0–100, and the time ranges of the item
   * video, [startSec, endSec] of its matched frames, that matched.
   */
  queryPct?: number;
  comparedPct?: number;
  ranges?: Array<[number, number]>;
  /** The store's list id, list version and entry id (service matches only). */
  listId?: number;
  listVersion?: number;
  entryKey?: number;
}

/** The per-item record of a scan report (and of the service's results). */
export interface ItemReport {
  source: string;
  size?: number;
  mediaType?: string;
  md5?: string;
  sha1?: string;
  sha256?: string;
  verdict: Verdict;
  matches: MatchRecord[];
  /**
   * Why hashing stopped. Set on every `failed` item; also on a `matched` item that matched by
   * digest although it could not be decoded.
   */
  error?: ErrorInfo;
  /** An allow-list entry (a known false positive) suppressed this item's matches. */
  allowListed?: { list: string; entryId: string; algorithm: HashAlgo };
}
