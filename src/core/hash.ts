/** Hash algorithms, as named in lists, reports and the store. */
export const DIGEST_ALGOS = ['md5', 'sha1', 'sha256'] as const;
export type DigestAlgo = (typeof DIGEST_ALGOS)[number];

/** 256-bit hashes compared by Hamming distance. */
export const PERCEPTUAL_ALGOS = ['pdq', 'blockhash'] as const;
export type PerceptualAlgo = (typeof PERCEPTUAL_ALGOS)[number];

export const HASH_ALGOS = [...DIGEST_ALGOS, ...PERCEPTUAL_ALGOS, 'vpdq'] as const;
export type HashAlgo = (typeof HASH_ALGOS)[number];

export interface Digests {
  md5: string;
  sha1: string;
  sha256: string;
}

/** PDQ's dihedral transforms, in the reference implementation's output order. */
export const DIHEDRAL_NAMES = ['orig', 'rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flipp', 'flipm'] as const;
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

/**
 * Trims of an image's edge bands hashed beside pdqTrimmed (the all-bands trim), each a guess
 * at the picture a re-post framed (hashing/borders.ts trimVariants). The names are stable:
 * matches report them as `via` and the store keys item hashes by them.
 */
export const PDQ_TRIM_VARIANTS = ['trimTB', 'trimLR', 'trimCentredTB', 'trimCentredLR'] as const;
export type PdqTrimVariant = (typeof PDQ_TRIM_VARIANTS)[number];

export interface PdqVariantHash {
  name: PdqTrimVariant;
  hash: string;
  quality: number;
}

/** What hashing one still image yields (hex strings, lowercase). */
export interface ImageHashes {
  width: number;
  height: number;
  pdq: string;
  pdqQuality: number;
  /** Present only when uniform bands (letterbox, frame) were found and trimmed. */
  pdqTrimmed?: string;
  pdqTrimmedQuality?: number;
  /** Other trims of the bands, each present only when it differs from pdqTrimmed; PDQ_TRIM_VARIANTS order. */
  pdqTrimmedVariants?: PdqVariantHash[];
  /** 8 hashes in DIHEDRAL_NAMES order, when asked for. */
  pdqDihedral?: string[];
  blockhash: string;
}

/** md5, sha1, sha256: compared for equality, not by distance. */
export function isDigestAlgo(a: HashAlgo): a is DigestAlgo {
  return (DIGEST_ALGOS as readonly string[]).includes(a);
}

export function isHashAlgo(s: string): s is HashAlgo {
  return (HASH_ALGOS as readonly string[]).includes(s);
}
