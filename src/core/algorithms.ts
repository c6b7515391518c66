import type { HashAlgo } from './hash.js';

/**
 * Each hash algorithm is a small record: how long its hash is, how to validate it, how two
 * hashes compare, and the defaults a list inherits unless it sets its own.
 */
export interface AlgorithmInfo {
  name: HashAlgo;
  bits: number;
  compare: 'exact' | 'hamming';
  /** Largest distance still counted as a match (0 for exact digests). */
  defaultThreshold: number;
  /** Hashes below this quality are reported but flagged low-confidence (PDQ only). */
  minQuality: number;
  /** A valid example, used by tests and documentation. */
  example: string;
}

/** Meta's recommended PDQ match threshold (PDQ_CONFIDENT_MATCH_THRESHOLD in python-threatexchange). */
export const PDQ_THRESHOLD = 31;
/** Meta recommends discarding PDQ hashes with quality below 50. */
export const PDQ_MIN_QUALITY = 50;

export const ALGORITHMS: Readonly<Record<HashAlgo, AlgorithmInfo>> = Object.freeze({
  md5: { name: 'md5', bits: 128, compare: 'exact', defaultThreshold: 0, minQuality: 0, example: 'd41d8cd98f00b204e9800998ecf8427e' },
  sha1: { name: 'sha1', bits: 160, compare: 'exact', defaultThreshold: 0, minQuality: 0, example: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' },
  sha256: {
    name: 'sha256',
    bits: 256,
    compare: 'exact',
    defaultThreshold: 0,
    minQuality: 0,
    example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  },
  pdq: {
    name: 'pdq',
    bits: 256,
    compare: 'hamming',
    defaultThreshold: PDQ_THRESHOLD,
    minQuality: PDQ_MIN_QUALITY,
    example: 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22',
  },
  // Calibrated by `npm run bench -- robustness` (bench/robustness/calibrate.ts; README "Robustness"):
  // different pictures with the same coarse light/dark layout come within 10 bits, so the threshold
  // stays at 3/4 of that. It keeps ~91% of frame-keeping edits of photos; PDQ is the primary match.
  blockhash: { name: 'blockhash', bits: 256, compare: 'hamming', defaultThreshold: 7, minQuality: 0, example: '9cfde03dc4198467ad671d171c071c5b1ff81bf919d9181838f8f890f807ff01' },
  vpdq: { name: 'vpdq', bits: 256, compare: 'hamming', defaultThreshold: PDQ_THRESHOLD, minQuality: PDQ_MIN_QUALITY, example: 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22' },
});

const HEX = /^[0-9a-f]+$/;

/** Normalises a hash string (trim, lowercase) and checks it; returns an error reason or the hash. */
export function normaliseHash(algo: HashAlgo, raw: string): { hash: string } | { reason: string } {
  const hash = raw.trim().toLowerCase();
  const want = ALGORITHMS[algo].bits / 4;
  if (hash.length !== want) return { reason: `Expected ${want} hex digits for a ${algo} hash but received ${hash.length}` };
  if (!HEX.test(hash)) return { reason: `Expected only hex digits for a ${algo} hash` };
  return { hash };
}

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
