/** Pure conversions from the store's records to the report's (./model.ts). */
import type { MatchRecord, Verdict } from '../core/match.js';
import {
  ITEM_STATUSES,
  type Batch,
  type HashList,
  type ItemResult,
  type ItemStatus,
  type Review,
  type StoredMatch,
} from '../store/index.js';
import type { ListVersionUsed } from '../store/reports.js';
import type {
  ReportBatch,
  ReportEnabledList,
  ReportItem,
  ReportListVersion,
  ReportMatch,
  ReportSummary,
  StatusCounts,
} from './model.js';

const iso = (d: Date) => d.toISOString();
const finite = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

function isRanges(x: unknown): x is Array<[number, number]> {
  return Array.isArray(x) && x.every((r) => Array.isArray(r) && r.length === 2 && r.every((n) => finite(n) !== null));
}

/**
 * The video part of a stored match's `frames` (jsonb): the percentages and item time ranges
 * of the vPDQ matcher's record (`{queryPct, comparedPct, ranges}`), or the migration's
 * documented `{item: [[start, end]], …}`. Anything else is not shown.
 */
export function videoOf(frames: unknown): ReportMatch['video'] {
  if (frames === null || typeof frames !== 'object' || Array.isArray(frames)) return null;
  const f = frames as Record<string, unknown>;
  const ranges = isRanges(f.ranges) ? f.ranges : isRanges(f.item) ? f.item : [];
  const video = {
    queryPct: finite(f.queryPct),
    comparedPct: finite(f.comparedPct),
    ranges: ranges.map(([a, b]): [number, number] => [a, b]),
  };
  return video.queryPct === null && video.comparedPct === null && video.ranges.length === 0 ? null : video;
}

/** A report's video part as the scan report's match fields (queryPct, comparedPct, ranges). */
export function videoFields(video: ReportMatch['video']): Pick<MatchRecord, 'queryPct' | 'comparedPct' | 'ranges'> {
  if (!video) return {};
  return {
    ...(video.queryPct === null ? {} : { queryPct: video.queryPct }),
    ...(video.comparedPct === null ? {} : { comparedPct: video.comparedPct }),
    ranges: video.ranges,
  };
}

export function reportMatch(m: StoredMatch, reviews: readonly Review[]): ReportMatch {
  return {
    id: m.id,
    list: { id: m.listId, name: m.listName, version: m.listVersion },
    entry: { id: m.entryId, externalId: m.externalId },
    algorithm: m.algorithm,
    via: m.via,
    distance: m.distance,
    threshold: m.threshold,
    quality: m.quality,
    lowConfidence: m.lowConfidence,
    score: m.score,
    category: m.category,
    video: videoOf(m.frames),
    outcome: reviews[reviews.length - 1]?.verdict ?? null,
    reviews: reviews.map((r) => ({ verdict: r.verdict, reviewer: r.reviewer, at: iso(r.at), note: r.note })),
  };
}

/** `reviews` holds the reviews the report includes, by match id. */
export function reportItem(r: ItemResult, reviews: ReadonlyMap<number, readonly Review[]>): ReportItem {
  return {
    seq: r.seq,
    source: r.sourceLabel,
    sourceKind: r.sourceKind,
    status: r.status,
    sha256: r.sha256,
    md5: r.md5,
    sha1: r.sha1,
    size: r.size,
    mediaType: r.mediaType,
    width: r.width,
    height: r.height,
    error: r.error,
    finishedAt: r.finishedAt === null ? null : iso(r.finishedAt),
    matches: r.matches.map((m) => reportMatch(m, reviews.get(m.id) ?? [])),
  };
}

export function isTerminal(item: Pick<ReportItem, 'status'>): boolean {
  return verdictOf(item.status) !== null;
}

/** The verdict of a terminal status; null while the item is queued or processing. */
export function verdictOf(status: ItemStatus): Verdict | null {
  return status === 'queued' || status === 'processing' ? null : status;
}

/** Counts items by status and matches by their outcome, item by item. */
export class SummaryCounter {
  private readonly items = Object.fromEntries(ITEM_STATUSES.map((s) => [s, 0])) as StatusCounts;
  private readonly outcomes: ReportSummary['outcomes'] = {
    confirmed: 0,
    false_positive: 0,
    escalate: 0,
    unreviewed: 0,
  };
  private matches = 0;
  /** The latest finishedAt seen (ISO strings of one format sort by time). */
  private lastFinished: string | null = null;

  add(item: ReportItem): void {
    this.items[item.status]++;
    this.matches += item.matches.length;
    for (const m of item.matches) this.outcomes[m.outcome ?? 'unreviewed']++;
    if (item.finishedAt !== null && (this.lastFinished === null || item.finishedAt > this.lastFinished))
      this.lastFinished = item.finishedAt;
  }

  private get running(): boolean {
    return this.items.queued + this.items.processing > 0;
  }

  summary(): ReportSummary {
    return {
      status: this.running ? 'running' : 'done',
      finishedAt: this.running ? null : this.lastFinished,
      items: { ...this.items },
      matches: this.matches,
      outcomes: { ...this.outcomes },
    };
  }
}

export function reportBatch(b: Batch): ReportBatch {
  return {
    id: b.id,
    caseRef: b.caseRef,
    kind: b.kind,
    tipId: b.tipId,
    submittedBy: b.submitterName,
    receivedAt: iso(b.receivedAt),
    createdAt: iso(b.createdAt),
    items: b.itemCount,
  };
}

export function reportListVersion(v: ListVersionUsed): ReportListVersion {
  return {
    id: v.listId,
    name: v.name,
    source: v.source,
    kind: v.kind,
    version: v.version,
    importedAt: iso(v.importedAt),
    importedBy: v.importedBy,
    format: v.format,
    entries: v.entries,
  };
}

export function reportEnabledList(l: HashList): ReportEnabledList {
  return { id: l.id, name: l.name, source: l.source, kind: l.kind, currentVersion: l.currentVersion };
}
