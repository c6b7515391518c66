import { createWriteStream, type WriteStream } from 'node:fs';
import { basename } from 'node:path';
import { cpus } from 'node:os';
import { ALGORITHMS } from '../core/algorithms.js';
import { AppError, invalidArgument } from '../core/errors.js';
import { isHashAlgo, type HashAlgo } from '../core/hash.js';
import type { VideoMode } from '../hashing/video/index.js';
import { loadListFile } from '../lists/read.js';
import { createHammingIndex } from '../matching/index.js';
import { loadConfig } from '../config/index.js';
import { ItemMatcher } from '../matching/item-matcher.js';
import type { ListKind, ListSpec } from '../matching/list-matcher.js';
import { pipelineOptions, videoMatchOptions, videoOptions } from '../pipeline/item.js';
import { emptySummary, REPORT_FORMATS, ReportWriter, type ReportFormat, type ScanSummary } from '../pipeline/report.js';
import { scanSources } from '../pipeline/scan.js';
import { expandSources, readUrlFile, type ItemSource } from '../pipeline/sources.js';
import { parse, positiveInt } from './args.js';
import { progressBar } from './progress.js';

const HELP = `Usage: tiphash scan SOURCE... --list FILE [options]

SOURCE is a file, a folder (walked recursively) or an http(s) URL. Each item is hashed and
matched against the lists; the report gives per item its digests, verdict (matched, no_match,
failed), matches and error, then a summary. Nothing but metadata is written.

  --list FILE          a hash list (tiphash CSV, pytx CSV, plain lines, VICS JSON, a vPDQ hash
                       file, or a folder of vPDQ hash files: one video each); repeatable
  --dihedral-list FILE a list whose entries also match rotated/mirrored copies; repeatable
  --allow-list FILE    known false positives: an item matching it is not reported; repeatable
  --urls FILE          read reported URLs from FILE, one per line
  --format F           ndjson (default), json, csv or text
  --out FILE           write the report to FILE instead of stdout
  --threshold A=N      distance threshold for algorithm A (pdq=31, blockhash=7, vpdq=31 per
                       frame); repeatable
  --dihedral           match rotated/mirrored copies against every list
  --exact              full-resolution decoding (bit-compatible with the PDQ reference; slower)
  --every-frame        videos: hash every frame (as vPDQ's sample hashes); default one per second
  --keyframes          videos: hash keyframes only (fast triage)
  --concurrency N      items hashed at once (default: number of cores)
  --allow-private NET  let URL sources reach a non-public address or host (CIDR/host); repeatable

Exit code: 0 nothing matched, 1 something matched, 2 the run could not proceed.`;

function parseThresholds(raw: string[] | undefined): Partial<Record<HashAlgo, number>> {
  const out: Partial<Record<HashAlgo, number>> = {};
  for (const t of raw ?? []) {
    const m = /^([a-z0-9]+)=(\d+)$/.exec(t.trim());
    const algo = m?.[1];
    if (!m || algo === undefined || !isHashAlgo(algo) || ALGORITHMS[algo].compare !== 'hamming') {
      throw invalidArgument('ALGORITHM=DISTANCE with a perceptual algorithm (pdq, blockhash, vpdq)', '--threshold', t);
    }
    const n = Number(m[2]);
    if (n > ALGORITHMS[algo].bits)
      throw invalidArgument(`a distance of at most ${ALGORITHMS[algo].bits}`, '--threshold', t);
    out[algo] = n;
  }
  return out;
}

/** Loads each list file; bad lines are reported on stderr, a list with no valid entry stops the run. */
async function loadLists(
  files: { path: string; kind: ListKind; dihedral: boolean }[],
  thresholds: Partial<Record<HashAlgo, number>>,
): Promise<ListSpec[]> {
  const specs: ListSpec[] = [];
  const names = new Set<string>();
  for (const f of files) {
    let name = basename(f.path).replace(/\.[^.]+$/, '');
    for (let i = 2; names.has(name); i++) name = `${basename(f.path)}#${i}`;
    names.add(name);
    const list = await loadListFile(f.path, { name });
    if (list.rejectedCount > 0) {
      const shown = list.rejected.slice(0, 5).map((r) => `  line ${r.line}: ${r.reason}`);
      process.stderr.write(`tiphash scan: list ${name}: ${list.rejectedCount} line(s) rejected\n${shown.join('\n')}\n`);
    }
    specs.push({ name, kind: f.kind, dihedral: f.dihedral, thresholds, entries: list.entries });
  }
  return specs;
}

function openOutput(path: string | undefined): { write: (s: string) => void; close: () => Promise<void> } {
  if (path === undefined) return { write: (s) => void process.stdout.write(s), close: () => Promise.resolve() };
  const out: WriteStream = createWriteStream(path, { flags: 'w' });
  let failure: Error | null = null;
  out.on('error', (err) => (failure = err));
  return {
    write: (s) => void out.write(s),
    close: () =>
      new Promise((resolve, reject) =>
        out.end(() =>
          failure
            ? reject(new AppError('unreadable', `Cannot write the report to ${path}: ${failure.message}`))
            : resolve(),
        ),
      ),
  };
}

export async function scanCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    list: { type: 'string', multiple: true },
    'dihedral-list': { type: 'string', multiple: true },
    'allow-list': { type: 'string', multiple: true },
    urls: { type: 'string' },
    format: { type: 'string', default: 'ndjson' },
    out: { type: 'string' },
    threshold: { type: 'string', multiple: true },
    dihedral: { type: 'boolean' },
    exact: { type: 'boolean' },
    'every-frame': { type: 'boolean' },
    keyframes: { type: 'boolean' },
    concurrency: { type: 'string' },
    'allow-private': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const format = values.format as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw invalidArgument(REPORT_FORMATS.join(', '), '--format', values.format);
  const listFiles = [
    ...(values.list ?? []).map((path) => ({ path, kind: 'block' as const, dihedral: false })),
    ...(values['dihedral-list'] ?? []).map((path) => ({ path, kind: 'block' as const, dihedral: true })),
    ...(values['allow-list'] ?? []).map((path) => ({ path, kind: 'allow' as const, dihedral: false })),
  ];
  if (!listFiles.some((f) => f.kind === 'block'))
    throw invalidArgument('at least one --list FILE', 'the lists to match', 'none');
  if (positionals.length === 0 && values.urls === undefined)
    throw invalidArgument('at least one SOURCE or --urls FILE', 'the sources', 'none');
  const concurrency = positiveInt(values.concurrency, '--concurrency', cpus().length);
  const thresholds = parseThresholds(values.threshold);

  const config = loadConfig();
  const matcher = ItemMatcher.build(
    await loadLists(listFiles, thresholds),
    createHammingIndex,
    videoMatchOptions(config.video),
  );
  await matcher.ready();
  const opts = pipelineOptions({
    hashing: { exact: values.exact === true },
    video: videoOptions(config.video, { exact: values.exact === true, ...videoMode(values) }),
    dihedral: values.dihedral === true,
    fetch: values['allow-private'] ? { allowPrivate: values['allow-private'] } : {},
  });

  const sources: ItemSource[] = [];
  for await (const s of expandSources(positionals)) sources.push(s);
  if (values.urls !== undefined) sources.push(...(await readUrlFile(values.urls)));

  const started = performance.now();
  const output = openOutput(values.out);
  const writer = new ReportWriter(format, output.write);
  const progress = progressBar(sources.length);
  const summary = emptySummary();
  writer.begin();
  for await (const report of scanSources(sources, matcher, opts, concurrency)) {
    writer.item(report);
    summary.items++;
    summary[report.verdict]++;
    progress.tick(report.verdict === 'matched', report.verdict === 'failed');
  }
  progress.stop();
  summary.seconds = Math.round((performance.now() - started) / 10) / 100;
  writer.end(summary);
  await output.close();
  process.stderr.write(summaryLine(summary) + '\n');
  return summary.matched > 0 ? 1 : 0;
}

/** --every-frame / --keyframes; neither: the configured mode (one frame per second by default). */
export function videoMode(values: { 'every-frame'?: boolean; keyframes?: boolean }): { mode?: VideoMode } {
  if (values['every-frame'] && values.keyframes)
    throw invalidArgument('at most one of --every-frame and --keyframes', 'the video mode', 'both');
  if (values['every-frame']) return { mode: 'every' };
  return values.keyframes ? { mode: 'keyframes' } : {};
}

function summaryLine(s: ScanSummary): string {
  return `tiphash scan: ${s.items} items: ${s.matched} matched, ${s.no_match} no_match, ${s.failed} failed in ${s.seconds} s`;
}
