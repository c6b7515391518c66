/** Helpers for the video tests: Meta's sample videos and hashes, the verdict table, child processes. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expectedCsv } from '../src/hashing/test-support.js';
import { parseVpdqLine, type VpdqFrame } from '../src/lists/vpdq.js';
import { threatexchange } from './shared.js';

export interface VerdictRow {
  query: string;
  compared: string;
  queryPct: number;
  comparedPct: number;
  hma: boolean;
  compared80: boolean;
}

export function verdictRows(): VerdictRow[] {
  return expectedCsv('vpdq-verdicts.csv').map((r) => ({
    query: r.query!,
    compared: r.compared!,
    queryPct: Number(r.query_pct),
    comparedPct: Number(r.compared_pct),
    hma: r.match_hma_query80 === '1',
    compared80: r.match_readme_compared80 === '1',
  }));
}

/** The 14 sample videos present in the snapshot (those the verdict table covers). */
export function sampleVideoNames(): string[] {
  return [...new Set(verdictRows().map((r) => r.query))].sort();
}

export function sampleVideo(name: string): string {
  return threatexchange(`tmk/sample-videos/${name}.mp4`);
}

/** Meta's every-frame reference hashes of a sample video. */
export function sampleHashes(name: string): VpdqFrame[] {
  return readFileSync(threatexchange(`vpdq/sample-hashes/${name}.txt`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const f = parseVpdqLine(line);
      if (typeof f === 'string') throw new Error(`${name}: ${f}`);
      return f;
    });
}

/** Child processes of this test process still alive (ffmpeg must never outlive a call). */
export function childProcesses(): string[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/\bps$/.test(l));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/** Runs fn over items with at most `n` in flight, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Makes a test fixture with the system ffmpeg (tests only; src/media is the only runtime caller). */
export function ffmpegMake(args: string[]): void {
  execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
