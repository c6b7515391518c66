/**
 * The 8 rotations/flips of an image hashed from its one 16x16 DCT (PDQ_NOTES §10), in the
 * reference's order (DIHEDRAL_NAMES). Row u of B holds vertical frequency u+1: mirroring an axis
 * negates its odd frequencies (even indices); a quarter turn or a transpose swaps the axes.
 */
import { DIHEDRAL_NAMES, type DihedralName } from '../core/hash.js';
import { DCT_SIZE } from './pdq-dct.js';
import { bitsFromDct, hashHex, type PdqResult } from './pdq.js';

interface Transform {
  transpose: boolean;
  /** Sign of B[u][v] in the transformed matrix, by source indices. */
  sign: (u: number, v: number) => 1 | -1;
}

const even = (n: number): boolean => n % 2 === 0;
const flipWhen = (cond: boolean): 1 | -1 => (cond ? -1 : 1);

const TRANSFORMS: Record<DihedralName, Transform> = {
  orig: { transpose: false, sign: () => 1 },
  rot90: { transpose: true, sign: (_u, v) => flipWhen(even(v)) },
  rot180: { transpose: false, sign: (u, v) => flipWhen(!even(u + v)) },
  rot270: { transpose: true, sign: (u) => flipWhen(even(u)) },
  flipx: { transpose: false, sign: (u) => flipWhen(even(u)) },
  flipy: { transpose: false, sign: (_u, v) => flipWhen(even(v)) },
  flipp: { transpose: true, sign: () => 1 },
  flipm: { transpose: true, sign: (u, v) => flipWhen(!even(u + v)) },
};

export function transformDct(dct: Float32Array, name: DihedralName): Float32Array {
  const { transpose, sign } = TRANSFORMS[name];
  const out = new Float32Array(DCT_SIZE * DCT_SIZE);
  for (let u = 0; u < DCT_SIZE; u++) {
    for (let v = 0; v < DCT_SIZE; v++) {
      const target = transpose ? v * DCT_SIZE + u : u * DCT_SIZE + v;
      out[target] = sign(u, v) * dct[u * DCT_SIZE + v]!;
    }
  }
  return out;
}

/** Hex hashes of the 8 dihedral variants (quality is the original's). */
export function pdqDihedral(result: Pick<PdqResult, 'dct'>): string[] {
  return DIHEDRAL_NAMES.map((name) => hashHex(bitsFromDct(transformDct(result.dct, name))));
}
