import { AppError, toAppError, type ErrorInfo } from '../core/errors.js';
import type { Digests, ImageHashes } from '../core/hash.js';
import type { ItemReport } from '../core/match.js';
import { digestBuffer, readAndDigest } from '../hashing/digest.js';
import { type HashImageOptions, FAST_MIN_DECODED_SIDE, hashDecoded } from '../hashing/index.js';
import { fetchToBuffer, type FetchOptions } from '../intake/fetch.js';
import type { ListMatcher } from '../matching/list-matcher.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, decodeImage } from '../media/decode.js';
import { SNIFF_BYTES, sniffType } from '../media/sniff.js';
import { sourceLabel, type ItemSource } from './sources.js';

export interface PipelineOptions {
  hashing: Pick<HashImageOptions, 'exact'>;
  limits: DecodeLimits;
  fetch: FetchOptions;
  /** Match every list's entries against the item's 8 dihedral PDQ hashes. */
  dihedral: boolean;
}

export function pipelineOptions(overrides: Partial<PipelineOptions> = {}): PipelineOptions {
  return { hashing: {}, limits: { ...DEFAULT_DECODE_LIMITS }, fetch: {}, dihedral: false, ...overrides };
}

/**
 * What an item is read from: a file or URL (scan, URL items), bytes from somewhere else (a
 * staged upload, decrypted by `load`), or only the digests a tip gave (no media: matched by
 * digest alone).
 */
export type AnalysisSource =
  | ItemSource
  | { kind: 'bytes'; load: () => Promise<Buffer> }
  | { kind: 'digests'; digests: Partial<Digests> };

/** What hashing one item produced. `error` is set when no perceptual hash could be made. */
export interface Analysis {
  size?: number;
  mediaType?: string;
  digests?: Partial<Digests>;
  hashes?: ImageHashes;
  error?: ErrorInfo;
  /** The error may go away on a retry (a network failure, a server's 5xx). */
  transient?: true;
}

async function readSource(source: Exclude<AnalysisSource, { kind: 'digests' }>, opts: PipelineOptions): Promise<{ bytes: Buffer; digests: Digests }> {
  if (source.kind === 'file') return readAndDigest(source.path, opts.limits.maxBytes);
  const bytes = source.kind === 'url' ? (await fetchToBuffer(source.url, { maxBytes: opts.limits.maxBytes, ...opts.fetch })).data : await source.load();
  if (bytes.length > opts.limits.maxBytes) throw new AppError('too_large', `The file exceeds the limit of ${opts.limits.maxBytes} bytes`);
  return { bytes, digests: digestBuffer(bytes) };
}

function failure(out: Analysis, err: unknown): Analysis {
  const e = toAppError(err);
  return { ...out, error: e.toJSON(), ...(e.permanent ? {} : { transient: true as const }) };
}

/**
 * Reads (or fetches) an item once, digests its bytes, and decodes and hashes it. Digests are
 * kept even when decoding fails, so a file on an MD5 list matches however broken it is.
 * Never throws: failures come back as `error`.
 */
export async function analyseItem(source: AnalysisSource, opts: PipelineOptions): Promise<Analysis> {
  if (source.kind === 'digests') return { digests: source.digests };
  let bytes: Buffer;
  let out: Analysis = {};
  try {
    const read = await readSource(source, opts);
    bytes = read.bytes;
    out.size = bytes.length;
    if (bytes.length === 0) throw new AppError('empty_file', 'The file is empty (0 bytes)');
    out.digests = read.digests;
  } catch (err) {
    return failure(out, err);
  }
  const sniffed = sniffType(bytes.subarray(0, SNIFF_BYTES));
  if (sniffed !== null) out.mediaType = sniffed;
  try {
    const img = await decodeImage(bytes, {
      limits: opts.limits,
      shrinkMinSide: opts.hashing.exact ? 0 : FAST_MIN_DECODED_SIDE,
    });
    out.mediaType = img.mediaType;
    // The 8 dihedral hashes cost ~0.1 ms from the one DCT; the matcher decides which lists use them.
    out.hashes = hashDecoded(img, { ...opts.hashing, dihedral: true });
  } catch (err) {
    out = failure(out, err);
  }
  return out;
}

/** Matches an analysis against the lists and decides the item's verdict. */
export function judge(source: string, a: Analysis, matcher: ListMatcher, dihedral: boolean): ItemReport {
  const outcome = a.digests ? matcher.match({ ...a.digests, ...a.hashes }, { dihedral }) : { matches: [] };
  const report: ItemReport = {
    source,
    ...(a.size !== undefined ? { size: a.size } : {}),
    ...(a.mediaType !== undefined ? { mediaType: a.mediaType } : {}),
    ...a.digests,
    verdict: outcome.matches.length > 0 ? 'matched' : a.error ? 'failed' : 'no_match',
    matches: outcome.matches,
  };
  if (a.error) report.error = a.error;
  if (outcome.allowListed) report.allowListed = outcome.allowListed;
  return report;
}

export async function processItem(source: ItemSource, matcher: ListMatcher, opts: PipelineOptions): Promise<ItemReport> {
  return judge(sourceLabel(source), await analyseItem(source, opts), matcher, opts.dihedral);
}
