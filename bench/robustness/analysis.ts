/**
 * From scores to the rows the bench prints: recall per edit, false matches between different
 * pictures, distances within one scene, and recall/false matches per threshold (the curve
 * the blockhash threshold is calibrated on). Originals whose PDQ quality is below PDQ's
 * minimum are kept apart throughout, as PDQ advises not to trust their hashes.
 */
import { ALGORITHMS } from '../../src/core/algorithms.js';
import type { HashedItem, HashedOriginal, HashedSet, Mode } from './hash-set.js';
import { NO_DISTANCE, type Scores, type Semantics, thresholdOf } from './score.js';
import type { Category } from './set.js';
import { DistanceHistogram, round } from './stats.js';

export type Bucket = Category | 'low-quality';
export const BUCKETS: readonly Bucket[] = ['photo', 'crop', 'synthetic', 'low-quality'];

export const isTrusted = (o: HashedOriginal): boolean => o.quality >= ALGORITHMS.pdq.minQuality;
const bucketOf = (o: HashedOriginal): Bucket => (isTrusted(o) ? o.category : 'low-quality');

export interface RecallRow {
  kind: 'recall';
  mode: Mode;
  semantics: Semantics;
  threshold: number;
  bucket: Bucket;
  edit: string;
  n: number;
  matched: number;
  recall: number | null;
  /** Edits that could not be made or hashed (counted as misses). */
  failed: number;
  /** Edited pictures whose own PDQ quality is below the minimum (matches flagged low-confidence). */
  lowQuality: number;
  mean: number | null;
  p95: number | null;
  max: number | null;
  /** The originals this edit missed, by name (at most a few). */
  missed: string[];
}

export interface Pair {
  item: string;
  entry: string;
  distance: number;
}

export interface FalseMatchRow {
  kind: 'false-matches';
  mode: Mode;
  semantics: Semantics;
  threshold: number;
  /** originals: original vs other originals; edits: edited pictures vs other originals; low-quality: either side untrusted. */
  pairs: 'originals' | 'edits' | 'low-quality';
  comparisons: number;
  matches: number;
  min: number | null;
  p1: number | null;
  p5: number | null;
  closest: Pair[];
}

export interface SameSceneRow {
  kind: 'same-scene';
  mode: Mode;
  semantics: Semantics;
  threshold: number;
  group: string;
  pictures: number;
  comparisons: number;
  matches: number;
  min: number | null;
  max: number | null;
}

export interface CurveRow {
  kind: 'curve';
  mode: Mode;
  semantics: Semantics;
  threshold: number;
  /** Recall over the `pixels` edits (those that keep the frame) of trusted originals. */
  recall: number;
  recallPhotos: number;
  worstEdit: string;
  worstEditRecall: number;
  /** Different-picture comparisons within the threshold (originals and edits vs other originals). */
  falseMatches: number;
  falseMatchesOriginals: number;
}

const MISSED_SHOWN = 10;
const CLOSEST_SHOWN = 5;

const itemName = (set: HashedSet, item: HashedItem): string =>
  item.kind === 'original'
    ? set.originals[item.original]!.name
    : `${set.originals[item.original]!.name} [${item.edit}]`;

function ratio(a: number, b: number): number | null {
  return b === 0 ? null : Number((a / b).toFixed(4));
}

export function recallRows(set: HashedSet, scores: Scores, mode: Mode): RecallRow[] {
  const rows: RecallRow[] = [];
  const edits = [...new Set(set.items.filter((i) => i.kind !== 'original').map((i) => i.edit))];
  const n = set.originals.length;
  for (const [semantics, s] of Object.entries(scores) as [Semantics, NonNullable<Scores[Semantics]>][]) {
    for (const bucket of BUCKETS) {
      for (const edit of edits) {
        const hist = new DistanceHistogram();
        const row: RecallRow = {
          kind: 'recall',
          mode,
          semantics,
          threshold: thresholdOf(semantics),
          bucket,
          edit,
          n: 0,
          matched: 0,
          recall: null,
          failed: 0,
          lowQuality: 0,
          mean: null,
          p95: null,
          max: null,
          missed: [],
        };
        set.items.forEach((item, i) => {
          const o = set.originals[item.original]!;
          if (item.edit !== edit || bucketOf(o) !== bucket) return;
          row.n++;
          const h = item.hashes[mode];
          if (!h) return void row.failed++;
          if (h.pdqQuality < ALGORITHMS.pdq.minQuality) row.lowQuality++;
          hist.add(s.distance[i * n + item.original]!);
          if (s.matchedOwn[i]) row.matched++;
          else if (row.missed.length < MISSED_SHOWN) row.missed.push(o.name);
        });
        if (row.n === 0) continue;
        Object.assign(row, {
          recall: ratio(row.matched, row.n),
          mean: round(hist.mean()),
          p95: hist.quantile(0.95),
          max: hist.max(),
        });
        rows.push(row);
      }
    }
  }
  return rows;
}

/** Keeps the `size` closest pairs seen. */
function keepClosest(list: Pair[], pair: Pair, size: number): void {
  if (list.length === size && pair.distance >= list[list.length - 1]!.distance) return;
  list.push(pair);
  list.sort((a, b) => a.distance - b.distance);
  if (list.length > size) list.pop();
}

export interface PairAnalysis {
  falseMatches: FalseMatchRow[];
  sameScene: SameSceneRow[];
}

export function pairRows(set: HashedSet, scores: Scores, mode: Mode): PairAnalysis {
  const n = set.originals.length;
  const out: PairAnalysis = { falseMatches: [], sameScene: [] };
  for (const [semantics, s] of Object.entries(scores) as [Semantics, NonNullable<Scores[Semantics]>][]) {
    const threshold = thresholdOf(semantics);
    const kinds = ['originals', 'edits', 'low-quality'] as const;
    const hists = Object.fromEntries(kinds.map((k) => [k, new DistanceHistogram()])) as Record<
      (typeof kinds)[number],
      DistanceHistogram
    >;
    const closest = Object.fromEntries(kinds.map((k) => [k, [] as Pair[]])) as Record<(typeof kinds)[number], Pair[]>;
    const groups = new Map<string, { hist: DistanceHistogram; pictures: Set<number> }>();
    set.items.forEach((item, i) => {
      if (!item.hashes[mode]) return;
      const a = set.originals[item.original]!;
      for (let b = 0; b < n; b++) {
        if (b === item.original) continue;
        const entry = set.originals[b]!;
        const d = s.distance[i * n + b]!;
        if (d === NO_DISTANCE) continue;
        if (entry.group === a.group) {
          if (item.kind !== 'original') continue;
          let g = groups.get(a.group);
          if (!g) groups.set(a.group, (g = { hist: new DistanceHistogram(), pictures: new Set() }));
          g.hist.add(d);
          g.pictures.add(item.original);
          continue;
        }
        const kind =
          !isTrusted(a) || !isTrusted(entry) ? 'low-quality' : item.kind === 'original' ? 'originals' : 'edits';
        hists[kind].add(d);
        keepClosest(closest[kind], { item: itemName(set, item), entry: entry.name, distance: d }, CLOSEST_SHOWN);
      }
    });
    for (const k of kinds) {
      const h = hists[k];
      out.falseMatches.push({
        kind: 'false-matches',
        mode,
        semantics,
        threshold,
        pairs: k,
        comparisons: h.total,
        matches: h.atMost(threshold),
        min: h.min(),
        p1: h.quantile(0.01),
        p5: h.quantile(0.05),
        closest: closest[k],
      });
    }
    for (const [group, g] of groups) {
      out.sameScene.push({
        kind: 'same-scene',
        mode,
        semantics,
        threshold,
        group,
        pictures: g.pictures.size,
        comparisons: g.hist.total,
        matches: g.hist.atMost(threshold),
        min: g.hist.min(),
        max: g.hist.max(),
      });
    }
  }
  return out;
}

/** Recall and false matches at each threshold from 0 to `max` in `step`s. */
export function curveRows(
  set: HashedSet,
  scores: Scores,
  mode: Mode,
  semantics: Semantics,
  max: number,
  step: number,
): CurveRow[] {
  const s = scores[semantics];
  if (!s) return [];
  const n = set.originals.length;
  const own = new Map<string, { all: number[]; photos: number[] }>();
  const cross = new DistanceHistogram();
  const crossOriginals = new DistanceHistogram();
  set.items.forEach((item, i) => {
    const a = set.originals[item.original]!;
    if (!isTrusted(a)) return;
    const h = item.hashes[mode];
    if (item.kind === 'pixels') {
      let e = own.get(item.edit);
      if (!e) own.set(item.edit, (e = { all: [], photos: [] }));
      const d = h ? s.distance[i * n + item.original]! : NO_DISTANCE;
      e.all.push(d);
      if (a.category === 'photo') e.photos.push(d);
    }
    if (!h) return;
    for (let b = 0; b < n; b++) {
      const entry = set.originals[b]!;
      if (entry.group === a.group || !isTrusted(entry)) continue;
      cross.add(s.distance[i * n + b]!);
      if (item.kind === 'original') crossOriginals.add(s.distance[i * n + b]!);
    }
  });
  const rows: CurveRow[] = [];
  for (let t = 0; t <= max; t += step) {
    let hits = 0,
      total = 0,
      photoHits = 0,
      photoTotal = 0;
    let worstEdit = '',
      worstEditRecall = Infinity;
    for (const [edit, e] of own) {
      const h = e.all.filter((d) => d <= t).length;
      hits += h;
      total += e.all.length;
      photoHits += e.photos.filter((d) => d <= t).length;
      photoTotal += e.photos.length;
      const r = h / e.all.length;
      if (r < worstEditRecall) [worstEdit, worstEditRecall] = [edit, r];
    }
    rows.push({
      kind: 'curve',
      mode,
      semantics,
      threshold: t,
      recall: ratio(hits, total) ?? 0,
      recallPhotos: ratio(photoHits, photoTotal) ?? 0,
      worstEdit,
      worstEditRecall: Number(worstEditRecall.toFixed(4)),
      falseMatches: cross.atMost(t),
      falseMatchesOriginals: crossOriginals.atMost(t),
    });
  }
  return rows;
}
