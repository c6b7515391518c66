/**
 * Hashes every original and each of its edits through the product's hashImage (dihedral
 * hashes included, so either list semantics can be scored later). Only hashes are kept: the
 * pictures live in memory for the few milliseconds their hashing takes.
 */
import type { ImageHashes } from '../../src/core/hash.js';
import { hashImage } from '../../src/hashing/index.js';
import { EDITS, type EditKind } from './edits.js';
import type { Category, Original } from './set.js';

export type Mode = 'fast' | 'exact';

/** One hashed picture: an original (edit 'original') or one edit of it. */
export interface HashedItem {
  /** Index of its original in HashedSet.originals. */
  original: number;
  edit: string;
  /** 'original' for the original's own item. */
  kind: EditKind | 'original';
  /** Per hashing mode run; empty when hashing failed, and `error` says why. */
  hashes: Partial<Record<Mode, ImageHashes>>;
  error?: string;
}

export interface HashedOriginal {
  name: string;
  category: Category;
  group: string;
  /** PDQ quality of the original's (fast-mode) hash. */
  quality: number;
}

export interface HashedSet {
  originals: HashedOriginal[];
  /** Per original, its own item first, then one per edit, in EDITS order. */
  items: HashedItem[];
  /** Originals that could not be loaded or hashed (left out), with the reason. */
  skipped: { name: string; reason: string }[];
}

async function hashModes(bytes: Buffer, modes: readonly Mode[]): Promise<Partial<Record<Mode, ImageHashes>>> {
  const out: Partial<Record<Mode, ImageHashes>> = {};
  for (const mode of modes) out[mode] = (await hashImage(bytes, { dihedral: true, exact: mode === 'exact' })).hashes;
  return out;
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

type Hashed = { own: Partial<Record<Mode, ImageHashes>>; edits: Omit<HashedItem, 'original'>[] } | { error: string };

async function hashOne(original: Original, modes: readonly Mode[]): Promise<Hashed> {
  const bytes = await original.load();
  const own = await hashModes(bytes, modes);
  const edits: Omit<HashedItem, 'original'>[] = [];
  for (const edit of EDITS) {
    try {
      edits.push({ edit: edit.name, kind: edit.kind, hashes: await hashModes(await edit.apply(bytes), modes) });
    } catch (err) {
      // A failed edit counts as a miss, never silently dropped.
      edits.push({ edit: edit.name, kind: edit.kind, hashes: {}, error: reason(err) });
    }
  }
  return { own, edits };
}

/** Hashes the set `concurrency` originals at a time; `onProgress` gets the count done. */
export async function hashSet(
  originals: readonly Original[],
  options: { modes: readonly Mode[]; concurrency: number; onProgress?: (done: number) => void },
): Promise<HashedSet> {
  const results = new Array<Hashed>(originals.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < originals.length) {
      const i = next++;
      try {
        results[i] = await hashOne(originals[i]!, options.modes);
      } catch (err) {
        results[i] = { error: reason(err) };
      }
      options.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));

  const set: HashedSet = { originals: [], items: [], skipped: [] };
  results.forEach((r, i) => {
    const o = originals[i]!;
    if ('error' in r) return void set.skipped.push({ name: o.name, reason: r.error });
    const quality = (r.own.fast ?? r.own.exact!).pdqQuality;
    const index = set.originals.push({ name: o.name, category: o.category, group: o.group, quality }) - 1;
    set.items.push({ original: index, edit: 'original', kind: 'original', hashes: r.own });
    for (const e of r.edits) set.items.push({ original: index, ...e });
  });
  return set;
}
