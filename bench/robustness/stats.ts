/** Distance summaries over Hamming distances 0–256, kept as histograms (a million pairs cost 1 KB). */

export const MAX_DISTANCE = 256;

export class DistanceHistogram {
  readonly counts = new Float64Array(MAX_DISTANCE + 1);
  total = 0;

  add(distance: number): void {
    this.counts[distance]!++;
    this.total++;
  }

  /** How many distances are ≤ `threshold`. */
  atMost(threshold: number): number {
    let n = 0;
    for (let d = 0; d <= Math.min(threshold, MAX_DISTANCE); d++) n += this.counts[d]!;
    return n;
  }

  /** The nearest-rank quantile (q in [0, 1]); null when empty. */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let d = 0; d <= MAX_DISTANCE; d++) {
      seen += this.counts[d]!;
      if (seen >= rank) return d;
    }
    return MAX_DISTANCE;
  }

  mean(): number | null {
    if (this.total === 0) return null;
    let sum = 0;
    for (let d = 0; d <= MAX_DISTANCE; d++) sum += d * this.counts[d]!;
    return sum / this.total;
  }

  min(): number | null {
    return this.quantile(0);
  }

  max(): number | null {
    return this.quantile(1);
  }
}

export const round = (x: number | null, digits = 1): number | null => (x === null ? null : Number(x.toFixed(digits)));
