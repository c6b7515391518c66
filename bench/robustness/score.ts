/**
 * Scores every hashed item against a list holding every original, through the product's
 * ListMatcher and Hamming index, so the evaluation measures what a scan does: an item matches
 * an entry when its PDQ, one of its trimmed PDQs (pdqTrimmed, the trim variants) or (dihedral
 * lists) one of its 8 dihedral PDQs is close enough; blockhash is compared directly.
 * Two matchers per list: one at radius 256, giving each item's distance to every original
 * (for the distributions and the threshold curve), and one at the product's default
 * thresholds, whose verdict on the item's own original is the recall.
 */
import { ALGORITHMS } from '../../src/core/algorithms.js';
import type { HashAlgo, ImageHashes, PerceptualAlgo } from '../../src/core/hash.js';
import type { ListEntry } from '../../src/core/match.js';
import { createHammingIndex, ListMatcher, type MatchOutcome } from '../../src/matching/index.js';
import type { HashedSet, Mode } from './hash-set.js';

interface SemanticsInfo {
  algorithm: PerceptualAlgo;
  /** The list asks for the item's 8 dihedral PDQs too. */
  dihedral: boolean;
  /**
   * The list also holds each original's trimmed PDQ (under the same entry id): what a list
   * built from the media could carry; lists of bare hashes from elsewhere cannot.
   */
  trimmedEntries: boolean;
  label: string;
}

export const SEMANTICS = {
  pdq: { algorithm: 'pdq', dihedral: false, trimmedEntries: false, label: 'PDQ, plain list' },
  'pdq+dihedral': { algorithm: 'pdq', dihedral: true, trimmedEntries: false, label: 'PDQ, dihedral list' },
  'pdq+trimmed-entries': {
    algorithm: 'pdq',
    dihedral: false,
    trimmedEntries: true,
    label: "PDQ, list also holding the original's trimmed PDQ",
  },
  blockhash: { algorithm: 'blockhash', dihedral: false, trimmedEntries: false, label: 'blockhash' },
} as const satisfies Record<string, SemanticsInfo>;
export type Semantics = keyof typeof SEMANTICS;

export const thresholdOf = (s: Semantics): number => ALGORITHMS[SEMANTICS[s].algorithm].defaultThreshold;

/** Distance stored for "no hash" (a failed item): above any threshold. */
export const NO_DISTANCE = 0xffff;

export interface SemanticsScores {
  /** items x originals, row-major: the item's distance to each original's entry. */
  distance: Uint16Array;
  /** Per item: matched its own original at the default threshold (the product's verdict). */
  matchedOwn: Uint8Array;
}

export type Scores = Partial<Record<Semantics, SemanticsScores>>;

const FULL_RADIUS = 256;

function entries(set: HashedSet, mode: Mode, trimmed: boolean): ListEntry[] {
  const out: ListEntry[] = [];
  for (const item of set.items) {
    if (item.kind !== 'original') continue;
    const h = item.hashes[mode]!;
    const base = { id: String(item.original), category: null, line: item.original + 1 };
    out.push({ algorithm: 'pdq', hash: h.pdq, ...base }, { algorithm: 'blockhash', hash: h.blockhash, ...base });
    if (trimmed && h.pdqTrimmed) out.push({ algorithm: 'pdq', hash: h.pdqTrimmed, ...base });
  }
  return out;
}

interface ListPair {
  full: ListMatcher;
  product: ListMatcher;
}

async function listPair(list: ListEntry[]): Promise<ListPair> {
  const make = (thresholds: Partial<Record<HashAlgo, number>>): ListMatcher =>
    new ListMatcher([{ name: 'originals', kind: 'block', dihedral: false, thresholds, entries: list }], () =>
      createHammingIndex(),
    );
  const pair = { full: make({ pdq: FULL_RADIUS, blockhash: FULL_RADIUS }), product: make({}) };
  await Promise.all([pair.full.ready(), pair.product.ready()]);
  return pair;
}

/** Scores `set` in `mode` for each of `semantics`. */
export async function score(set: HashedSet, mode: Mode, semantics: readonly Semantics[]): Promise<Scores> {
  const lists = new Map<boolean, ListPair>();
  for (const s of semantics) {
    const trimmed = SEMANTICS[s].trimmedEntries;
    if (!lists.has(trimmed)) lists.set(trimmed, await listPair(entries(set, mode, trimmed)));
  }
  const n = set.originals.length;
  const scores: Scores = {};
  for (const s of semantics) {
    scores[s] = {
      distance: new Uint16Array(set.items.length * n).fill(NO_DISTANCE),
      matchedOwn: new Uint8Array(set.items.length),
    };
  }
  set.items.forEach((item, i) => {
    const h: ImageHashes | undefined = item.hashes[mode];
    if (!h) return;
    // One match per (list, dihedral) serves every algorithm scored on it.
    const outcomes = new Map<string, { full: MatchOutcome; product: MatchOutcome }>();
    const own = String(item.original);
    for (const s of semantics) {
      const { algorithm, dihedral, trimmedEntries } = SEMANTICS[s];
      const key = `${trimmedEntries}/${dihedral}`;
      let o = outcomes.get(key);
      if (!o) {
        const pair = lists.get(trimmedEntries)!;
        outcomes.set(
          key,
          (o = { full: pair.full.match(h, { dihedral }), product: pair.product.match(h, { dihedral }) }),
        );
      }
      const out = scores[s]!;
      // An original listed twice (its PDQ and its trimmed PDQ) yields a record per hash: keep the nearer.
      for (const m of o.full.matches) {
        const at = i * n + Number(m.entryId);
        if (m.algorithm === algorithm && m.distance < out.distance[at]!) out.distance[at] = m.distance;
      }
      out.matchedOwn[i] = o.product.matches.some((m) => m.algorithm === algorithm && m.entryId === own) ? 1 : 0;
    }
  });
  return scores;
}
