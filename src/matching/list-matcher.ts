import { ALGORITHMS, hexToBytes } from '../core/algorithms.js';
import { invalidArgument } from '../core/errors.js';
import {
  DIGEST_ALGOS,
  DIHEDRAL_NAMES,
  isDigestAlgo,
  type DigestAlgo,
  type Digests,
  type HashAlgo,
  type PdqVariantHash,
  type PerceptualAlgo,
} from '../core/hash.js';
import type { ListEntry, MatchRecord } from '../core/match.js';
import { matchScore } from './score.js';

/** The slice of HammingIndex the list matcher needs. */
export interface RadiusIndex {
  add(id: number, hash: Uint8Array): void;
  /** Bulk load: ids[i] carries hashes[32 i .. 32 i + 32). Much faster than add() for big lists. */
  addMany?(ids: Uint32Array, hashes: Uint8Array): void;
  search(query: Uint8Array, radius: number): Array<{ id: number; distance: number }>;
  /** Resolves when added entries sit in built index segments (HammingIndex builds in the background). */
  flush?(): Promise<void>;
}

export type ListKind = 'block' | 'allow';

export interface ListSpec {
  name: string;
  /** The store's list id and version, carried into match records (service only). */
  id?: number;
  version?: number;
  kind: ListKind;
  /** Also match the 8 rotations/flips of an item's PDQ hash against this list. */
  dihedral: boolean;
  /** Per-algorithm distance thresholds; algorithms not named use ALGORITHMS' defaults. */
  thresholds: Partial<Record<HashAlgo, number>>;
  entries: Iterable<ListEntry>;
}

/** A list whose entries arrive in pages (a load from the store). */
export type PagedListSpec = Omit<ListSpec, 'entries'> & { pages: AsyncIterable<readonly ListEntry[]> };

/** Perceptual entries are handed to the index in runs of this many. */
const BULK = 8192;

/** The hashes of one item that matching looks at (hex strings). */
export interface ItemHashes extends Partial<Digests> {
  pdq?: string;
  pdqQuality?: number;
  pdqTrimmed?: string;
  pdqTrimmedQuality?: number;
  pdqTrimmedVariants?: PdqVariantHash[];
  pdqDihedral?: string[];
  blockhash?: string;
}

export interface MatchOutcome {
  matches: MatchRecord[];
  /** Set when an allow-list entry (a known false positive) suppressed matches. */
  allowListed?: { list: string; entryId: string; algorithm: HashAlgo };
}

interface EntryRef {
  /** Unique per loaded entry: duplicates are kept apart even when their ids coincide. */
  n: number;
  list: number;
  id: string;
  category: string | null;
  storeId: number | undefined;
}

interface Hit {
  m: MatchRecord;
  kind: ListKind;
}

interface Probe {
  hash: string;
  quality: number | undefined;
  via: string;
  dihedralOnly: boolean;
}

/**
 * Matches one item's hashes against every loaded list: digests through exact sets,
 * PDQ and blockhash through one radius index per algorithm (shared by all lists; each
 * list's own threshold is applied to the hits).
 */
export class ListMatcher {
  private readonly lists: Omit<ListSpec, 'entries'>[] = [];
  private readonly exact = new Map<DigestAlgo, Map<string, EntryRef[]>>();
  private readonly hamming = new Map<PerceptualAlgo, { index: RadiusIndex; refs: EntryRef[]; radius: number }>();
  private entryCount = 0;

  constructor(
    specs: ListSpec[],
    private readonly createIndex: () => RadiusIndex,
  ) {
    for (const { entries, ...meta } of specs) this.addEntries(this.lists.push(meta) - 1, meta.name, entries);
  }

  /** Builds a matcher page by page, so a list of millions of entries is never held as objects twice. */
  static async fromPages(lists: PagedListSpec[], createIndex: () => RadiusIndex): Promise<ListMatcher> {
    const m = new ListMatcher([], createIndex);
    for (const { pages, ...meta } of lists) {
      const listIdx = m.lists.push(meta) - 1;
      for await (const page of pages) m.addEntries(listIdx, meta.name, page);
    }
    return m;
  }

  get size(): number {
    return this.entryCount;
  }

  /** Waits until every list is fully indexed; matching works before, only slower. */
  async ready(): Promise<void> {
    await Promise.all(
      [...this.hamming.values()].map(async (h) => {
        await h.index.flush?.();
      }),
    );
  }

  listNames(): string[] {
    return this.lists.map((l) => l.name);
  }

  /** Entries loaded per algorithm (index size, for metrics). */
  entriesByAlgorithm(): Partial<Record<HashAlgo, number>> {
    const out: Partial<Record<HashAlgo, number>> = {};
    for (const [algo, set] of this.exact) out[algo] = [...set.values()].reduce((n, refs) => n + refs.length, 0);
    for (const [algo, h] of this.hamming) out[algo] = h.refs.length;
    return out;
  }

  private addEntries(listIdx: number, listName: string, entries: Iterable<ListEntry>): void {
    const pending = new Map<PerceptualAlgo, { ids: Uint32Array; hashes: Buffer; count: number }>();
    const flush = (algo: PerceptualAlgo) => {
      const p = pending.get(algo);
      if (!p || p.count === 0) return;
      const { index } = this.hamming.get(algo)!;
      // The index copies what it is given, so the page buffers can be reused.
      if (index.addMany) index.addMany(p.ids.subarray(0, p.count), p.hashes.subarray(0, p.count * 32));
      else for (let i = 0; i < p.count; i++) index.add(p.ids[i]!, p.hashes.subarray(i * 32, i * 32 + 32));
      p.count = 0;
    };
    for (const e of entries) {
      const ref: EntryRef = {
        n: this.entryCount++,
        list: listIdx,
        id: e.id ?? `${listName}:${e.line}`,
        category: e.category,
        storeId: e.storeId,
      };
      if (isDigestAlgo(e.algorithm)) {
        let set = this.exact.get(e.algorithm);
        if (!set) this.exact.set(e.algorithm, (set = new Map<string, EntryRef[]>()));
        const refs = set.get(e.hash);
        if (refs) refs.push(ref);
        else set.set(e.hash, [ref]);
      } else if (e.algorithm === 'pdq' || e.algorithm === 'blockhash') {
        let h = this.hamming.get(e.algorithm);
        if (!h) this.hamming.set(e.algorithm, (h = { index: this.createIndex(), refs: [], radius: 0 }));
        h.radius = Math.max(h.radius, this.threshold(listIdx, e.algorithm));
        let p = pending.get(e.algorithm);
        if (!p)
          pending.set(e.algorithm, (p = { ids: new Uint32Array(BULK), hashes: Buffer.alloc(BULK * 32), count: 0 }));
        p.ids[p.count] = h.refs.push(ref) - 1;
        if (p.hashes.write(e.hash, p.count * 32, 32, 'hex') !== 32 || e.hash.length !== 64)
          throw invalidArgument('64 hex digits', `the ${e.algorithm} hash of entry ${ref.id}`, e.hash);
        if (++p.count === BULK) flush(e.algorithm);
      }
      // vpdq entries are matched per video by the video matcher.
    }
    for (const algo of pending.keys()) flush(algo);
  }

  private threshold(listIdx: number, algo: HashAlgo): number {
    return this.lists[listIdx]?.thresholds[algo] ?? ALGORITHMS[algo].defaultThreshold;
  }

  match(item: ItemHashes, opts: { dihedral?: boolean } = {}): MatchOutcome {
    const best = new Map<string, Hit>();
    const keep = (ref: EntryRef, m: MatchRecord) => {
      const key = `${ref.n}:${m.algorithm}`;
      const prev = best.get(key);
      if (!prev || m.distance < prev.m.distance) best.set(key, { m, kind: this.lists[ref.list]!.kind });
    };

    for (const algo of DIGEST_ALGOS) {
      const hash = item[algo];
      const refs = hash === undefined ? undefined : this.exact.get(algo)?.get(hash);
      for (const ref of refs ?? []) keep(ref, this.record(ref, algo, 0, 'digest'));
    }
    for (const [algo, probes] of this.probes(item)) {
      const h = this.hamming.get(algo);
      if (!h) continue;
      for (const probe of probes) {
        for (const hit of h.index.search(hexToBytes(probe.hash), h.radius)) {
          const ref = h.refs[hit.id];
          if (!ref) continue;
          const list = this.lists[ref.list]!;
          if (hit.distance > this.threshold(ref.list, algo)) continue;
          if (probe.dihedralOnly && !(list.dihedral || opts.dihedral)) continue;
          keep(ref, this.record(ref, algo, hit.distance, probe.via, probe.quality));
        }
      }
    }
    return this.applyAllowLists([...best.values()]);
  }

  private *probes(item: ItemHashes): Generator<[PerceptualAlgo, Probe[]]> {
    const pdq: Probe[] = [];
    if (item.pdq) pdq.push({ hash: item.pdq, quality: item.pdqQuality, via: 'pdq', dihedralOnly: false });
    if (item.pdqTrimmed)
      pdq.push({ hash: item.pdqTrimmed, quality: item.pdqTrimmedQuality, via: 'pdqTrimmed', dihedralOnly: false });
    for (const v of item.pdqTrimmedVariants ?? [])
      pdq.push({ hash: v.hash, quality: v.quality, via: v.name, dihedralOnly: false });
    // Index 0 of the dihedral set is the original orientation, already probed above.
    item.pdqDihedral?.forEach((hash, i) => {
      if (i > 0) pdq.push({ hash, quality: item.pdqQuality, via: DIHEDRAL_NAMES[i]!, dihedralOnly: true });
    });
    yield ['pdq', pdq];
    if (item.blockhash)
      yield ['blockhash', [{ hash: item.blockhash, quality: undefined, via: 'blockhash', dihedralOnly: false }]];
  }

  private record(ref: EntryRef, algorithm: HashAlgo, distance: number, via: string, quality?: number): MatchRecord {
    const list = this.lists[ref.list]!;
    const threshold = this.threshold(ref.list, algorithm);
    const m: MatchRecord = {
      list: list.name,
      entryId: ref.id,
      algorithm,
      distance,
      threshold,
      score: matchScore({ algorithm, distance, threshold, quality }),
      category: ref.category,
      via,
    };
    if (quality !== undefined) {
      m.quality = quality;
      m.lowConfidence = quality < ALGORITHMS[algorithm].minQuality;
    }
    if (list.id !== undefined) m.listId = list.id;
    if (list.version !== undefined) m.listVersion = list.version;
    if (ref.storeId !== undefined) m.entryKey = ref.storeId;
    return m;
  }

  /**
   * An allow-list hit (a known false positive) by digest clears every match: the file is
   * known. A perceptual allow-list hit clears only the matches of that algorithm, since a
   * digest match to a block list is still certain.
   */
  private applyAllowLists(all: Hit[]): MatchOutcome {
    const allows = all.filter((h) => h.kind === 'allow').map((h) => h.m);
    const blocks = all.filter((h) => h.kind === 'block').map((h) => h.m);
    if (allows.length === 0) return { matches: sortMatches(blocks) };
    const byDigest = allows.find((m) => isDigestAlgo(m.algorithm));
    const first = byDigest ?? allows[0]!;
    const cleared = new Set(allows.map((m) => m.algorithm));
    const matches = byDigest ? [] : blocks.filter((m) => isDigestAlgo(m.algorithm) || !cleared.has(m.algorithm));
    return {
      matches: sortMatches(matches),
      allowListed: { list: first.list, entryId: first.entryId, algorithm: first.algorithm },
    };
  }
}

/** Digests first, then by distance: the strongest evidence leads the report. */
export function sortMatches(ms: MatchRecord[]): MatchRecord[] {
  const rank = (m: MatchRecord) => (isDigestAlgo(m.algorithm) ? 0 : 1);
  return ms.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      a.distance - b.distance ||
      a.list.localeCompare(b.list) ||
      a.entryId.localeCompare(b.entryId),
  );
}
