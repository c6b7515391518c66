/** Data and a reference brute-force search for the matching tests. */
import type { IndexMatch } from '../src/matching/hamming-index.js';
import { rng } from '../src/core/random.js';

export interface Entry {
  id: number;
  hash: Uint8Array;
}


export function randomHashes(n: number, seed: number): Entry[] {
  const next = rng(seed);
  return Array.from({ length: n }, (_, id) => ({
    id,
    hash: Uint8Array.from({ length: 32 }, () => Math.floor(next() * 256)),
  }));
}

/** Flips `bits` distinct random bits. */
export function flip(hash: Uint8Array, bits: number, seed: number): Uint8Array {
  const next = rng(seed * 7919 + 1);
  const out = hash.slice();
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(Math.floor(next() * 256));
  for (const b of chosen) out[b >> 3]! ^= 1 << (b & 7);
  return out;
}

/** Groups of near-duplicates (1-16 members within 0-12 bits of a centre), as real lists have. */
export function clustered(n: number, seed: number): Entry[] {
  const next = rng(seed);
  const out: Entry[] = [];
  while (out.length < n) {
    const centre = randomHashes(1, Math.floor(next() * 2 ** 31))[0]!.hash;
    const size = 1 + Math.floor(next() * 16);
    for (let i = 0; i < size && out.length < n; i++)
      out.push({ id: out.length, hash: flip(centre, Math.floor(next() * 13), Math.floor(next() * 2 ** 31)) });
  }
  return out;
}

export function distance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < 32; i++) {
    let x = a[i]! ^ b[i]!;
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}

export function bruteForce(entries: Entry[], q: Uint8Array, radius: number): IndexMatch[] {
  return entries
    .map((e) => ({ id: e.id, distance: distance(e.hash, q) }))
    .filter((m) => m.distance <= radius)
    .sort((a, b) => a.id - b.id || a.distance - b.distance);
}
