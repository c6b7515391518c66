/**
 * The `item` job: one submitted item from its source to its terminal state in the store.
 * claim → read (fetch the URL / decrypt the staged upload / take the tip's digests) → digest,
 * decode, hash → match → one transaction writing status, digests, hashes and matches →
 * delete the staged upload. The same analyseItem/judge as `tiphash scan`.
 */
import { AppError } from '../core/errors.js';
import { DIHEDRAL_NAMES } from '../core/hash.js';
import type { ItemReport } from '../core/match.js';
import type { Staging } from '../intake/staging.js';
import type { VideoFrameHash } from '../hashing/video/index.js';
import type { ItemMatcher } from '../matching/item-matcher.js';
import type { DecodeLimits } from '../media/decode.js';
import type { Handler } from '../queue/types.js';
import {
  claimItem,
  recordResult,
  type ClaimedItem,
  type Db,
  type ItemHashRecord,
  type MatchInput,
  type TerminalResult,
} from '../store/index.js';
import {
  analyseItem,
  judge,
  pipelineOptions,
  type Analysis,
  type AnalysisSource,
  type PipelineOptions,
} from './item.js';

export interface ItemJobDeps {
  db: Db;
  staging: Pick<Staging, 'get' | 'remove'>;
  /** The matcher to use now (the live one swaps underneath between items, never during one). */
  matcher: () => ItemMatcher;
  limits: DecodeLimits;
  /** Video hashing: mode, limits, ffmpeg, and the private directory a non-streamable MP4 is spooled to. */
  video: PipelineOptions['video'];
  fetch: { timeoutMs: number; allowPrivate: readonly string[] };
  /** Runs started per item, crashed ones included, before it is failed instead (policy maxStarts). */
  maxStarts: number;
}

/** A source whose read fails with `err`: the item then fails through the one analysis path. */
const unreadable = (err: AppError): AnalysisSource => ({ kind: 'bytes', load: () => Promise.reject(err) });

function sourceOf(item: ClaimedItem, staging: ItemJobDeps['staging']): AnalysisSource {
  switch (item.sourceKind) {
    case 'digest':
      return {
        kind: 'digests',
        digests: {
          ...(item.md5 ? { md5: item.md5 } : {}),
          ...(item.sha1 ? { sha1: item.sha1 } : {}),
          ...(item.sha256 ? { sha256: item.sha256 } : {}),
        },
      };
    case 'url':
      return item.sourceRef === null
        ? unreadable(new AppError('url_invalid', 'The item has no URL to fetch'))
        : { kind: 'url', url: item.sourceRef };
    case 'upload': {
      const ref = item.sourceRef;
      return ref === null
        ? unreadable(new AppError('staging_missing', 'The item has no staged upload'))
        : { kind: 'bytes', load: () => staging.get(ref) };
    }
  }
}

/**
 * Every hash the item was matched with, under the `via` name a match reports, so a match can be
 * traced to the hash that made it: 'pdq', 'pdqTrimmed', a trim variant, a dihedral name,
 * 'blockhash'; a video's frames as `f<index>` (and `t<index>` for the frames inside its bars).
 */
export function hashRecords(a: Analysis): ItemHashRecord[] {
  const out: ItemHashRecord[] = [];
  const h = a.hashes;
  if (h) {
    out.push({ algorithm: 'pdq', variant: 'pdq', hash: h.pdq, quality: h.pdqQuality });
    if (h.pdqTrimmed)
      out.push({ algorithm: 'pdq', variant: 'pdqTrimmed', hash: h.pdqTrimmed, quality: h.pdqTrimmedQuality ?? null });
    for (const v of h.pdqTrimmedVariants ?? [])
      out.push({ algorithm: 'pdq', variant: v.name, hash: v.hash, quality: v.quality });
    // Index 0 is the original orientation, already stored as 'pdq'.
    h.pdqDihedral?.forEach((hash, i) => {
      if (i > 0) out.push({ algorithm: 'pdq', variant: DIHEDRAL_NAMES[i]!, hash, quality: h.pdqQuality });
    });
    out.push({ algorithm: 'blockhash', variant: 'blockhash', hash: h.blockhash });
  }
  const frames = (prefix: string, list: readonly VideoFrameHash[] | undefined) => {
    for (const f of list ?? [])
      out.push({ algorithm: 'vpdq', variant: `${prefix}${f.frame}`, hash: f.pdq, quality: f.quality, frameTs: f.ts });
  };
  frames('f', a.video?.frames);
  frames('t', a.video?.framesTrimmed);
  return out;
}

/** What the review page's timeline needs besides the ranges: the video's length and frames. */
function videoExtent(a: Analysis): { duration?: number; frameCount?: number } {
  const v = a.video;
  if (!v || !Number.isFinite(v.durationSec)) return {};
  return {
    duration: v.durationSec,
    ...(Number.isFinite(v.fps) && v.fps > 0 ? { frameCount: Math.round(v.durationSec * v.fps) } : {}),
  };
}

function matchInputs(report: ItemReport, a: Analysis): MatchInput[] {
  const extent = videoExtent(a);
  return report.matches.map((m) => {
    if (m.listId === undefined || m.listVersion === undefined || m.entryKey === undefined)
      throw new AppError(
        'internal',
        `Expected a store-loaded list for a service match but list ${JSON.stringify(m.list)} has no store ids`,
      );
    return {
      listId: m.listId,
      listVersion: m.listVersion,
      entryId: m.entryKey,
      algorithm: m.algorithm,
      distance: m.distance,
      quality: m.quality ?? null,
      threshold: m.threshold,
      category: m.category,
      via: m.via ?? null,
      lowConfidence: m.lowConfidence ?? false,
      score: m.score,
      // The record reports and the review page read for a video match (src/reports/build.ts videoOf).
      ...(m.algorithm === 'vpdq'
        ? {
            frames: {
              queryPct: m.queryPct ?? null,
              comparedPct: m.comparedPct ?? null,
              ranges: m.ranges ?? [],
              ...extent,
            },
          }
        : {}),
    };
  });
}

export function terminalResult(a: Analysis, report: ItemReport): TerminalResult {
  return {
    status: report.verdict,
    md5: a.digests?.md5 ?? null,
    sha1: a.digests?.sha1 ?? null,
    sha256: a.digests?.sha256 ?? null,
    size: a.size ?? null,
    mediaType: a.mediaType ?? null,
    width: a.hashes?.width ?? a.video?.width ?? null,
    height: a.hashes?.height ?? a.video?.height ?? null,
    // The store keeps an error only on failed items; a digest match of an undecodable file is `matched`.
    error:
      report.verdict === 'failed' ? (report.error ?? { code: 'internal', message: 'No result and no error' }) : null,
    hashes: hashRecords(a),
    matches: matchInputs(report, a),
  };
}

export function itemHandler(deps: ItemJobDeps): Handler<'item'> {
  return async ({ itemId }, ctx) => {
    const item = await claimItem(deps.db, itemId);
    // Already terminal (a duplicate or late job) or unknown: nothing to do, nothing to count twice.
    if (!item) return;
    const log = ctx.logger.child({ itemId, batchId: item.batchId });
    let result: TerminalResult;
    if (item.attempts > deps.maxStarts) {
      const message = `Processing was started ${item.attempts - 1} times without finishing (worker crashes or restarts); giving up`;
      result = { status: 'failed', error: { code: 'processing_interrupted', message }, hashes: [], matches: [] };
    } else {
      const matcher = deps.matcher();
      const analysis = await analyseItem(
        sourceOf(item, deps.staging),
        pipelineOptions({
          limits: deps.limits,
          video: deps.video,
          signal: ctx.signal,
          fetch: { timeoutMs: deps.fetch.timeoutMs, allowPrivate: [...deps.fetch.allowPrivate], signal: ctx.signal },
        }),
      );
      // A transient failure (network, a server's 5xx) is retried by the queue; the last try records it.
      if (analysis.error && analysis.transient && !ctx.lastAttempt)
        throw new AppError(analysis.error.code, analysis.error.message, { permanent: false });
      result = terminalResult(analysis, judge(item.sourceLabel, analysis, matcher, false));
    }
    const outcome = await recordResult(deps.db, itemId, result);
    if (item.sourceKind === 'upload' && item.sourceRef !== null) await deps.staging.remove(item.sourceRef);
    log.info(
      {
        status: outcome.status,
        recorded: outcome.recorded,
        matches: result.matches.length,
        ...(result.error ? { code: result.error.code } : {}),
      },
      `item ${itemId} ${outcome.status}`,
    );
  };
}
