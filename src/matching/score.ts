/**
 * The score shown to people: one number from 0 to 100 for "how strongly does this match
 * say the item is the listed picture". Defined here and nowhere else; docs/score.md explains
 * it to analysts in English and Thai, and a test keeps the two in step.
 *
 *   100      the file's bytes are identical (md5, sha1 or sha256 equal)
 *   50–99    a perceptual hash within the list's threshold: 99 at distance 0, falling
 *            linearly to 50 at the threshold itself
 *   25–49    the same, halved, when the item's hash has low quality (PDQ quality < 50):
 *            Meta advises not trusting such hashes, so they never outrank a confident one
 *
 *   50–99    a video (vpdq) whose share of matched frames passes the list's rule: the mean
 *            of two closenesses, each 0–1, mapped onto 50–99:
 *              share    = (pct − P) / (100 − P), pct the percentage the rule tests (query % for
 *                         HMA's rule, compared % for the vPDQ README's) and P its threshold;
 *              frames   = 1 − d / T, d the median distance of the matched query frames to
 *                         their nearest entry frame and T the frame threshold (31);
 *            so 99 when every frame matched at distance 0, 50 at both thresholds at once.
 *
 * Distance is relative to the threshold in force, so a strict list's near miss and a lax
 * list's near miss score alike; exact digests always score highest.
 */
import { ALGORITHMS } from '../core/algorithms.js';
import type { HashAlgo } from '../core/hash.js';

export interface ScoreInput {
  algorithm: HashAlgo;
  distance: number;
  threshold: number;
  /** Quality of the item's hash (PDQ), when known. */
  quality?: number | undefined;
  /** vpdq: the percentage the list's rule tests, and its threshold. */
  pct?: number | undefined;
  pctThreshold?: number | undefined;
}

export const SCORE_EXACT = 100;
export const SCORE_MAX_PERCEPTUAL = 99;
export const SCORE_AT_THRESHOLD = 50;

export function matchScore(m: ScoreInput): number {
  const algo = ALGORITHMS[m.algorithm];
  if (algo.compare === 'exact') return SCORE_EXACT;
  let closeness = m.threshold <= 0 ? (m.distance === 0 ? 1 : 0) : Math.max(0, 1 - m.distance / m.threshold);
  if (m.algorithm === 'vpdq' && m.pct !== undefined) {
    const p = m.pctThreshold ?? 0;
    const share = p >= 100 ? (m.pct >= 100 ? 1 : 0) : Math.min(1, Math.max(0, (m.pct - p) / (100 - p)));
    closeness = (share + closeness) / 2;
  }
  const base = SCORE_AT_THRESHOLD + (SCORE_MAX_PERCEPTUAL - SCORE_AT_THRESHOLD) * closeness;
  const lowQuality = m.quality !== undefined && m.quality < algo.minQuality;
  return Math.round(lowQuality ? base / 2 : base);
}
