/** The index interfaces shared by every matcher: Hamming radius search and exact digest sets. */

/** One entry found by a search. */
export interface IndexMatch {
  /** The id the entry was added with. */
  id: number;
  /** Hamming distance to the query (0 for exact sets). */
  distance: number;
}

/** What every hash index can do: entries are (id, hash bytes); an id may carry several hashes. */
export interface HashIndex {
  add(id: number, hash: Uint8Array): void;
  /** Removes every entry added under `id` before this call. */
  remove(id: number): void;
  search(query: Uint8Array, radius: number): IndexMatch[];
}

export interface HammingIndexStats {
  impl: 'native' | 'ts';
  /** Entries held, including removed ones not yet compacted away. */
  entries: number;
  /** Built (multi-index) segments and frozen runs waiting to be built. */
  segments: number;
  pendingRuns: number;
  /** Entries added one by one and not yet frozen into a run. */
  delta: number;
  tombstones: number;
  /** Memory held by entries and tables, in bytes. */
  bytes: number;
}

/**
 * An exact radius index over 256-bit hashes (PDQ, blockhash, video frame PDQ): every search
 * returns exactly the entries a brute-force scan would, at any radius 0-256.
 */
export interface HammingIndex extends HashIndex {
  readonly impl: 'native' | 'ts';
  /** Adds many entries at once (a list import): ids[i] carries hashes[32 i .. 32 i + 32). Copied. */
  addMany(ids: Uint32Array | readonly number[], hashes: Uint8Array): void;
  /** Many queries (32 bytes each, concatenated) in one call, off the main thread or in slices. */
  searchBatch(queries: Uint8Array, radius: number): Promise<IndexMatch[][]>;
  /** Resolves once every entry added so far sits in a built segment (imports, tests, benchmarks). */
  flush(): Promise<void>;
  stats(): HammingIndexStats;
}
