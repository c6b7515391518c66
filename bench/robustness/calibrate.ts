/**
 * Picks a blockhash threshold from the curve: the largest threshold that still leaves a
 * margin below the nearest different-scene pair (so pictures a little more alike than any in
 * this set still do not match), and says what recall it buys on the edits blockhash can follow.
 */
import type { CurveRow } from './analysis.js';

/** The threshold stays at most this share of the distance to the nearest different picture. */
export const MARGIN_SHARE = 0.75;

export interface Calibration {
  kind: 'calibration';
  semantics: string;
  current: number;
  /** Smallest distance between pictures of different scenes (trusted originals and their edits). */
  nearestDifferent: number | null;
  suggested: number;
  recall: number;
  recallPhotos: number;
  worstEdit: string;
  worstEditRecall: number;
  falseMatches: number;
  /** The same figures at the threshold in force, for comparison. */
  atCurrent: CurveRow | null;
  summary: string;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * `nearestDifferent` comes from the false-match rows (every trusted different-scene pair);
 * the curve's false-match column must agree with it (zero below it).
 */
export function calibrate(curve: CurveRow[], nearestDifferent: number | null, current: number): Calibration | null {
  if (curve.length === 0) return null;
  const semantics = curve[0]!.semantics;
  const bound = nearestDifferent === null ? Infinity : Math.floor(nearestDifferent * MARGIN_SHARE);
  const eligible = curve.filter((r) => r.threshold <= bound && r.falseMatches === 0);
  const pick = eligible[eligible.length - 1] ?? curve[0]!;
  const atCurrent = curve.find((r) => r.threshold === current) ?? null;
  const summary =
    `Calibration (${semantics}): the nearest pair of different scenes is ${nearestDifferent ?? 'absent'} bits apart; ` +
    `keeping the threshold ≤ ${MARGIN_SHARE} of that gives ${pick.threshold} ` +
    `(recall ${pct(pick.recall)} on the frame-keeping edits, photos ${pct(pick.recallPhotos)}, worst ${pick.worstEdit} ${pct(pick.worstEditRecall)}; ` +
    `${pick.falseMatches} false matches). ` +
    (atCurrent
      ? `At the current ${current}: recall ${pct(atCurrent.recall)}, ${atCurrent.falseMatches} false matches.`
      : `The current ${current} is off the curve.`) +
    ' Blockhash cannot follow rotations, mirrors or added bands (no dihedral or trimmed variant): see the recall tables.';
  return {
    kind: 'calibration',
    semantics,
    current,
    nearestDifferent,
    suggested: pick.threshold,
    recall: pick.recall,
    recallPhotos: pick.recallPhotos,
    worstEdit: pick.worstEdit,
    worstEditRecall: pick.worstEditRecall,
    falseMatches: pick.falseMatches,
    atCurrent,
    summary,
  };
}
