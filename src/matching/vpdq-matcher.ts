/**
 * Matches a video's frame hashes against the videos of every loaded list. All lists' frames
 * sit in ONE Hamming index (frame id → its video); each distinct query frame is searched once,
 * and the hits alone give, per candidate video, exactly the counts vPDQ's brute-force
 * comparison would (./vpdq.ts): a query frame matched = it hit some frame of that video, an
 * entry frame matched = some query frame hit it. Only videos hit at all are candidates.
 *
 * A match record carries both percentages, the time ranges of the query video that matched,
 * and as `distance` the median distance of the matched query frames to their nearest frame of
 * the video (bits, comparable with a PDQ distance); `threshold` is the frame threshold.
 */
import { ALGORITHMS, hexToBytes } from '../core/algorithms.js';
import type { HashAlgo } from '../core/hash.js';
import type { ListEntry, MatchRecord } from '../core/match.js';
import type { ListKind, ListSpec, MatchOutcome, PagedListSpec, RadiusIndex } from './list-matcher.js';
import { matchScore } from './score.js';
import {
  distinctFrames,
  percent,
  VPDQ_MATCH_THRESHOLD_PCT,
  VPDQ_QUALITY_THRESHOLD,
  type VpdqRule,
  vpdqVerdict,
} from './vpdq.js';

export interface QueryFrame {
  pdq: string;
  quality: number;
  ts: number;
}

export interface VideoQuery {
  frames: readonly QueryFrame[];
  /** Frames cropped to the inside of the video's bars; matching takes the better of the two. */
  framesTrimmed?: readonly QueryFrame[] | undefined;
}

export interface VideoMatchOptions {
  /** `hma` (default): query % ≥ thresholdPct; `compared`: compared % ≥ thresholdPct. */
  rule?: VpdqRule;
  thresholdPct?: number;
}

interface Video {
  list: number;
  id: string;
  category: string | null;
  /** The store id of its first frame: what a service match points at. */
  storeId: number | undefined;
  frames: number;
}

/** A list's videos by id while loading: their index and the frame hashes already kept. */
type VideosById = Map<string, { video: number; seen: Set<string> }>;

interface Candidate {
  /** Distinct query frames that hit the video → their nearest distance. */
  query: Map<number, number>;
  /** Frame ids of the video that were hit. */
  entry: Set<number>;
}

interface Scored {
  record: MatchRecord;
  kind: ListKind;
  pct: number;
}

export class VideoMatcher {
  private readonly lists: Omit<ListSpec, 'entries'>[] = [];
  private readonly videos: Video[] = [];
  /** Frame id → video index. */
  private readonly frameVideo: number[] = [];
  private readonly index: RadiusIndex;
  private radius = 0;

  constructor(
    specs: ListSpec[],
    createIndex: () => RadiusIndex,
    private readonly defaults: VideoMatchOptions = {},
  ) {
    this.index = createIndex();
    for (const { entries, ...meta } of specs) {
      const list = this.lists.push(meta) - 1;
      this.addEntries(list, new Map(), entries);
    }
  }

  /** Builds a matcher page by page (a load from the store); a video's frames may span pages. */
  static async fromPages(
    lists: PagedListSpec[],
    createIndex: () => RadiusIndex,
    defaults: VideoMatchOptions = {},
  ): Promise<VideoMatcher> {
    const m = new VideoMatcher([], createIndex, defaults);
    for (const { pages, ...meta } of lists) {
      const list = m.lists.push(meta) - 1;
      const byId: VideosById = new Map();
      for await (const page of pages) m.addEntries(list, byId, page);
    }
    return m;
  }

  /** Videos loaded, over all lists. */
  get size(): number {
    return this.videos.length;
  }

  async ready(): Promise<void> {
    await this.index.flush?.();
  }

  private addEntries(list: number, byId: VideosById, entries: Iterable<ListEntry>): void {
    const { name } = this.lists[list]!;
    const threshold = this.threshold(list);
    for (const e of entries) {
      if (e.algorithm !== 'vpdq') continue;
      this.radius = Math.max(this.radius, threshold);
      const key = e.id ?? `${name}:${e.line}`;
      let v = byId.get(key);
      if (!v) {
        const video = this.videos.push({ list, id: key, category: e.category, storeId: e.storeId, frames: 0 }) - 1;
        byId.set(key, (v = { video, seen: new Set() }));
      }
      if (!this.keepFrame(e, v.seen)) continue;
      this.videos[v.video]!.frames++;
      this.index.add(this.frameVideo.push(v.video) - 1, hexToBytes(e.hash));
    }
  }

  /** Identical hashes once per video, quality ≥ 50 when the list says its quality. */
  private keepFrame(e: ListEntry, seen: Set<string>): boolean {
    if (seen.has(e.hash)) return false;
    seen.add(e.hash);
    return e.frame === undefined || e.frame.quality >= VPDQ_QUALITY_THRESHOLD;
  }

  private threshold(list: number): number {
    return this.lists[list]?.thresholds.vpdq ?? ALGORITHMS.vpdq.defaultThreshold;
  }

  match(query: VideoQuery, options: VideoMatchOptions = {}): MatchOutcome {
    const rule = options.rule ?? this.defaults.rule ?? 'hma';
    const pctThreshold = options.thresholdPct ?? this.defaults.thresholdPct ?? VPDQ_MATCH_THRESHOLD_PCT;
    const best = new Map<number, Scored>();
    const variants: Array<[string, readonly QueryFrame[] | undefined]> = [
      ['vpdq', query.frames],
      ['vpdqTrimmed', query.framesTrimmed],
    ];
    for (const [via, frames] of variants) {
      if (!frames || frames.length === 0) continue;
      for (const s of this.scoreVariant(frames, via, rule, pctThreshold)) {
        const prev = best.get(s.video);
        if (!prev || s.scored.pct > prev.pct) best.set(s.video, s.scored);
      }
    }
    return settle([...best.values()]);
  }

  private *scoreVariant(
    frames: readonly QueryFrame[],
    via: string,
    rule: VpdqRule,
    pctThreshold: number,
  ): Generator<{ video: number; scored: Scored }> {
    const distinct = distinctFrames(frames);
    const candidates = new Map<number, Candidate>();
    distinct.forEach((f, q) => {
      for (const hit of this.index.search(hexToBytes(f.pdq), this.radius)) {
        const video = this.frameVideo[hit.id];
        if (video === undefined || hit.distance > this.threshold(this.videos[video]!.list)) continue;
        let c = candidates.get(video);
        if (!c) candidates.set(video, (c = { query: new Map(), entry: new Set() }));
        c.query.set(q, Math.min(c.query.get(q) ?? Infinity, hit.distance));
        c.entry.add(hit.id);
      }
    });
    for (const [video, c] of candidates) {
      const v = this.videos[video]!;
      const pcts = { queryPct: percent(c.query.size, distinct.length), comparedPct: percent(c.entry.size, v.frames) };
      if (!vpdqVerdict(pcts, rule, pctThreshold)) continue;
      const matched = new Set([...c.query.keys()].map((q) => distinct[q]!.pdq.toLowerCase()));
      const record = this.record(
        v,
        via,
        pcts,
        median([...c.query.values()]),
        rule,
        pctThreshold,
        timeRanges(frames, matched),
      );
      yield {
        video,
        scored: { record, kind: this.lists[v.list]!.kind, pct: rule === 'hma' ? pcts.queryPct : pcts.comparedPct },
      };
    }
  }

  private record(
    v: Video,
    via: string,
    p: { queryPct: number; comparedPct: number },
    distance: number,
    rule: VpdqRule,
    pctThreshold: number,
    ranges: Array<[number, number]>,
  ): MatchRecord {
    const list = this.lists[v.list]!;
    const threshold = this.threshold(v.list);
    const algorithm: HashAlgo = 'vpdq';
    const pct = rule === 'hma' ? p.queryPct : p.comparedPct;
    const m: MatchRecord = {
      list: list.name,
      entryId: v.id,
      algorithm,
      distance,
      threshold,
      score: matchScore({ algorithm, distance, threshold, pct, pctThreshold }),
      category: v.category,
      via,
      queryPct: round2(p.queryPct),
      comparedPct: round2(p.comparedPct),
      ranges,
    };
    if (list.id !== undefined) m.listId = list.id;
    if (list.version !== undefined) m.listVersion = list.version;
    if (v.storeId !== undefined) m.entryKey = v.storeId;
    return m;
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The lower median: a distance that some matched frame actually has. */
function median(xs: number[]): number {
  const s = xs.sort((a, b) => a - b);
  return s[(s.length - 1) >> 1] ?? 0;
}

/**
 * Runs of matched frames in time order, as [first ts, last ts]. A frame too poor to compare
 * (quality < 50) neither extends nor breaks a run; an unmatched comparable frame breaks it.
 */
export function timeRanges(frames: readonly QueryFrame[], matched: ReadonlySet<string>): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let open: [number, number] | null = null;
  for (const f of [...frames].sort((a, b) => a.ts - b.ts)) {
    if (f.quality < VPDQ_QUALITY_THRESHOLD) continue;
    if (matched.has(f.pdq.toLowerCase())) {
      if (open) open[1] = f.ts;
      else ranges.push((open = [f.ts, f.ts]));
    } else open = null;
  }
  return ranges;
}

/** An allow-listed video (a known false positive) clears the video matches; block matches otherwise. */
function settle(all: Scored[]): MatchOutcome {
  const blocks = all.filter((s) => s.kind === 'block').map((s) => s.record);
  const allow = all.find((s) => s.kind === 'allow')?.record;
  const sorted = (ms: MatchRecord[]) =>
    ms.sort((a, b) => b.score - a.score || a.list.localeCompare(b.list) || a.entryId.localeCompare(b.entryId));
  if (!allow) return { matches: sorted(blocks) };
  return { matches: [], allowListed: { list: allow.list, entryId: allow.entryId, algorithm: 'vpdq' } };
}
