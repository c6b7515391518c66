/**
 * tiphash bench match: queries/s, latency, build time, memory and recall of the Hamming index.
 *   tiphash bench match --n N --radius R --queries Q [--seed S] [--clustered] [--impl native|ts] [--check K]
 *                       [--warmup SECONDS] --json
 * builds an index of N hashes (uniform, or --clustered: groups of near-duplicates), plants
 * each query within R/2 bits of a random entry and times single synchronous searches, after
 * warm-up searches (other queries) for SECONDS (default 1) and at least 300 of them: what a
 * worker that has been answering for a while sees. A fresh process runs its first thousand or
 * so searches slower (measured at 1M, r = 31: 95k, 73k, 99k q/s in its first three thousand,
 * then 117k-127k): V8 is still compiling and the directories are not yet in the cache.
 * Recall is checked against an independent TypeScript brute-force scan on the first K
 * queries (default: as many as cost about 2e8 comparisons, at least 20).
 * Without --impl a single run uses what createHammingIndex would (TIPHASH_INDEX_IMPL, else the
 * addon if it loads). With no --n it runs N = 100k, 1M, 10M x R = 0, 15, 31, 47 for both, each
 * (N, implementation) in a process of its own: in one process the two implementations make the
 * benchmark's call sites polymorphic and the TypeScript index pays for the native one's memory
 * (measured: TS at 1M, r = 31 ran 11.4k q/s after native in one process, 12.8-13.0k alone).
 * --radius may be repeated.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { mulberry32 } from '../src/core/random.js';
import { loadNative } from '../native/index.js';
import { chooseKernel, requestedImpl, type IndexImpl } from '../src/matching/create-index.js';
import type { IndexMatch } from '../src/matching/hamming-index.js';
import { SegmentedIndex } from '../src/matching/segmented-index.js';

interface Result {
  impl: string;
  simd: string;
  n: number;
  radius: number;
  queries: number;
  clustered: boolean;
  seed: number;
  qps: number;
  p50Us: number;
  p99Us: number;
  buildSeconds: number;
  bytesPerHash: number;
  recall: number;
  /** Warm-up searches run before the timed ones. */
  warmup: number;
  recallChecked: number;
  /**
   * The yardstick, timed in the same process right after the searches: the native brute-force
   * scan (SIMD popcount over every hash) on the same queries, and qps over it. This machine's
   * memory speed moves from minute to minute, so a ratio taken at one moment is steadier than
   * either figure alone. Null when the addon does not load.
   */
  scanQps: number | null;
  vsScan: number | null;
}


function flipBits(h: Uint8Array, at: number, bits: number, next: () => number): void {
  for (let i = 0; i < bits; i++) {
    const b = next() & 255;
    h[at + (b >> 3)]! ^= 1 << (b & 7);
  }
}

/** n hashes; clustered ones come in groups of 1-16 within 0-12 bits of a random centre. */
export function makeHashes(n: number, seed: number, clustered: boolean): Uint8Array {
  const next = mulberry32(seed);
  const out = new Uint8Array(n * 32);
  const words = new Uint32Array(out.buffer);
  if (!clustered) {
    for (let i = 0; i < words.length; i++) words[i] = next();
    return out;
  }
  for (let i = 0; i < n;) {
    const size = 1 + (next() % 16);
    for (let w = 0; w < 8; w++) words[i * 8 + w] = next();
    const centre = out.slice(i * 32, i * 32 + 32);
    for (let j = 0; j < size && i < n; j++, i++) {
      out.set(centre, i * 32);
      flipBits(out, i * 32, next() % 13, next);
    }
  }
  return out;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0;
}

/** Ids within radius of q, by scanning everything. */
function bruteForce(words: Uint32Array, n: number, q: Uint32Array, radius: number): Set<number> {
  const found = new Set<number>();
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let w = 0; w < 8 && d <= radius; w++) d += popcount(words[i * 8 + w]! ^ q[w]!);
    if (d <= radius) found.add(i);
  }
  return found;
}

/**
 * Brute-force scans/s of the native scan over all n hashes, on the first queries (~0.2 s of
 * scanning, at least 3 when there are that many); null without the addon or queries.
 */
function scanRate(ids: Uint32Array, hashes: Uint8Array, n: number, qs: Uint8Array, radius: number): number | null {
  const native = loadNative().binding;
  const count = Math.min(qs.length / 32, Math.max(3, Math.ceil(2e8 / n)));
  if (!native || count === 0) return null;
  const out = new Uint32Array(1 << 16);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) native.brute(ids, hashes, n, qs.subarray(i * 32, i * 32 + 32), radius, out, 0, 0);
  return Math.round(count / ((performance.now() - t0) / 1000));
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function buildIndex(impl: IndexImpl, hashes: Uint8Array, n: number) {
  const { kernel } = chooseKernel(impl);
  const index = new SegmentedIndex(kernel);
  const ids = Uint32Array.from({ length: n }, (_, i) => i);
  const t0 = performance.now();
  index.addMany(ids, hashes);
  await index.flush();
  const buildSeconds = (performance.now() - t0) / 1000;
  return { index, simd: kernel.detail, buildSeconds, bytesPerHash: index.stats().bytes / n };
}

async function measure(
  impl: IndexImpl,
  hashes: Uint8Array,
  n: number,
  radii: number[],
  queries: number,
  seed: number,
  clustered: boolean,
  check: number | undefined,
  warmupSeconds: number,
): Promise<Result[]> {
  const built = await buildIndex(impl, hashes, n);
  const words = new Uint32Array(hashes.buffer, hashes.byteOffset, n * 8);
  const scanIds = new Uint32Array(n); // the scans' hits are only counted
  const results: Result[] = [];
  // Each query within radius/2 bits of a random entry.
  const plant = (count: number, radius: number, next: () => number) => {
    const qs = new Uint8Array(count * 32);
    for (let i = 0; i < count; i++) {
      const at = (next() % n) * 32;
      qs.set(hashes.subarray(at, at + 32), i * 32);
      flipBits(qs, i * 32, next() % (Math.floor(radius / 2) + 1), next);
    }
    return qs;
  };
  for (const radius of radii) {
    const qs = plant(queries, radius, mulberry32(seed * 31 + radius));
    // Warm-up on other queries (see the top of the file), cycling through a pool of them.
    const warm = plant(WARMUP_POOL, radius, mulberry32(seed * 31 + radius + 1_000_003));
    const warmStart = performance.now();
    let warmed = 0;
    while (warmed < WARMUP_QUERIES || performance.now() - warmStart < warmupSeconds * 1000) {
      const at = (warmed++ % WARMUP_POOL) * 32;
      built.index.search(warm.subarray(at, at + 32), radius);
    }
    const times = new Float64Array(queries);
    const checked = Math.min(queries, check ?? Math.max(20, Math.ceil(2e8 / n)));
    // The timed loop only keeps the answers it will check; reading their ids waits for the clock
    // to stop.
    const answers: IndexMatch[][] = [];
    const t0 = performance.now();
    for (let i = 0; i < queries; i++) {
      const s = performance.now();
      const hits = built.index.search(qs.subarray(i * 32, i * 32 + 32), radius);
      times[i] = performance.now() - s;
      if (i < checked) answers.push(hits);
    }
    const total = (performance.now() - t0) / 1000;
    let want = 0;
    let got = 0;
    for (let i = 0; i < checked; i++) {
      const truth = bruteForce(words, n, new Uint32Array(qs.slice(i * 32, i * 32 + 32).buffer), radius);
      want += truth.size;
      got += answers[i]!.filter((h) => truth.has(h.id)).length;
    }
    const scanQps = scanRate(scanIds, hashes, n, qs, radius);
    times.sort();
    const qps = Math.round(queries / total);
    results.push({
      impl,
      simd: built.simd,
      n,
      radius,
      queries,
      clustered,
      seed,
      qps,
      p50Us: +(percentile(times, 0.5) * 1000).toFixed(2),
      p99Us: +(percentile(times, 0.99) * 1000).toFixed(2),
      buildSeconds: +built.buildSeconds.toFixed(2),
      bytesPerHash: +built.bytesPerHash.toFixed(1),
      recall: want === 0 ? 1 : got / want,
      recallChecked: checked,
      warmup: warmed,
      scanQps,
      vsScan: scanQps === null ? null : Math.round(qps / scanQps),
    });
  }
  return results;
}

function table(rows: Result[]): string {
  const head = ['impl', 'n', 'R', 'q/s', 'p50 µs', 'p99 µs', 'scan/s', '× scan', 'build s', 'B/hash', 'recall', 'checked'];
  const body = rows.map((r) =>
    [
      `${r.impl} (${r.simd})`,
      r.n,
      r.radius,
      r.qps,
      r.p50Us,
      r.p99Us,
      r.scanQps ?? '-',
      r.vsScan ?? '-',
      r.buildSeconds,
      r.bytesPerHash,
      r.recall,
      r.recallChecked,
    ].map(String),
  );
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

const run$ = promisify(execFile);
const WARMUP_QUERIES = 300;
const WARMUP_POOL = 2000;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      n: { type: 'string' },
      radius: { type: 'string', multiple: true },
      queries: { type: 'string' },
      seed: { type: 'string' },
      clustered: { type: 'boolean', default: false },
      impl: { type: 'string' },
      check: { type: 'string' },
      warmup: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const int = (v: string | undefined, fallback: number, what: string) => {
    const x = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(x) || x < 0)
      throw new Error(`Expected a non-negative integer for --${what} but received ${v}`);
    return x;
  };
  // One implementation for a single run (--impl, else what createHammingIndex would pick);
  // both for the matrix, native only where the addon loads.
  const impls: IndexImpl[] =
    values.impl !== undefined
      ? [values.impl as IndexImpl]
      : values.n !== undefined
        ? [chooseKernel(requestedImpl()).kernel.impl]
        : loadNative().binding
          ? ['native', 'ts']
          : ['ts'];
  if (!impls.every((i) => i === 'native' || i === 'ts'))
    throw new Error(`Expected native or ts for --impl but received ${values.impl}`);
  const seed = int(values.seed, 1, 'seed');
  const queries = int(values.queries, 2000, 'queries');
  const check = values.check === undefined ? undefined : int(values.check, 0, 'check');
  const warmup = values.warmup === undefined ? 1 : Number(values.warmup);
  if (!(warmup >= 0 && warmup <= 600)) throw new Error(`Expected --warmup seconds from 0 to 600 but received ${values.warmup}`);
  const sizes = values.n === undefined ? [100_000, 1_000_000, 10_000_000] : [int(values.n, 0, 'n')];
  const radii =
    values.radius === undefined
      ? values.n === undefined
        ? [0, 15, 31, 47]
        : [31]
      : values.radius.map((r) => int(r, 31, 'radius'));
  const rows: Result[] = [];
  for (const n of sizes) {
    if (n < 1) throw new Error('Expected --n of at least 1');
    if (values.n === undefined) {
      // The matrix: each (N, implementation) measured alone, as a worker runs one of them.
      for (const impl of impls) {
        const child = [
          ...['--n', String(n), '--impl', impl, '--queries', String(queries), '--seed', String(seed), '--json'],
          ...radii.flatMap((r) => ['--radius', String(r)]),
          ...(values.clustered ? ['--clustered'] : []),
          ...(check === undefined ? [] : ['--check', String(check)]),
          '--warmup',
          String(warmup),
        ];
        const { stdout } = await run$(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...child], {
          maxBuffer: 1 << 24,
        });
        for (const line of stdout.split('\n').filter((l) => l.startsWith('{'))) {
          const r = JSON.parse(line) as Result;
          rows.push(r);
          process.stdout.write(line + '\n');
        }
      }
      continue;
    }
    const hashes = makeHashes(n, seed, values.clustered);
    for (const impl of impls) {
      for (const r of await measure(impl, hashes, n, radii, queries, seed, values.clustered, check, warmup)) {
        rows.push(r);
        if (values.json) process.stdout.write(JSON.stringify(r) + '\n');
      }
    }
  }
  if (!values.json) process.stdout.write(table(rows) + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
}
