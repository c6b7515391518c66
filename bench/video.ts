/**
 * Video hashing benchmark: per sample video and mode (every, fps1, keyframes, exact = every
 * frame with the reference's arithmetic), seconds of CPU and wall per minute of video, frames
 * hashed per second and peak memory of node and of ffmpeg. Each case runs in its own node
 * process pinned to one core (taskset, when present) with ffmpeg on one thread; CPU is node's
 * own plus ffmpeg's (user+sys, via /usr/bin/time around ffmpeg), so "x realtime" is a one-core
 * figure. A decode-only row (ffmpeg -f null) shows the floor no mode can go below.
 * `npx tsx bench/video.ts [--modes every,fps1,keyframes,exact] [--no-bars] [video.mp4 ...]`
 * (default: Meta's SD chair clip and HD pattern and door-knob clips from ../shared).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { hashVideo } from '../src/hashing/video/index.js';
import type { VideoMode } from '../src/hashing/video/sampling.js';

const run$ = promisify(execFile);
const CASES = ['every', 'fps1', 'keyframes', 'exact'] as const;
type Case = (typeof CASES)[number];

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function defaultVideos(): string[] {
  const shared = process.env.TIPHASH_SHARED ?? resolve(repoRoot(), '../shared');
  const dir = join(shared, 'fixtures/threatexchange/tmk/sample-videos');
  return ['chair-orig-22-sd-bar.mp4', 'pattern-hd-no-bar.mp4', 'doorknob-hd-no-bar.mp4'].map((f) => join(dir, f));
}

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `/usr/bin/time -f "%U %S %M"` lines: user s, sys s, max RSS KB. */
function timeTotals(log: string): { cpu: number; rssMb: number } {
  let cpu = 0;
  let rss = 0;
  for (const line of log.trim().split('\n')) {
    const [u, s, m] = line.trim().split(/\s+/).map(Number);
    if (u === undefined || s === undefined || m === undefined || [u, s, m].some(Number.isNaN)) continue;
    cpu += u + s;
    rss = Math.max(rss, m);
  }
  return { cpu, rssMb: rss / 1024 };
}

interface One {
  frames: number;
  wallSec: number;
  nodeCpuSec: number;
  nodeRssMb: number;
}

/** One case, inside its own process: hash the video, report node's own costs. */
async function one(path: string, c: Case, bars: boolean, ffmpegPath: string, ffprobePath: string): Promise<One> {
  const mode: VideoMode = c === 'exact' ? 'every' : c;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await hashVideo({ path }, { mode, exact: c === 'exact', bars, ffmpegPath, ffprobePath, threads: 1 });
  const wallSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    frames: r.frames.length + (r.framesTrimmed?.length ?? 0),
    wallSec,
    nodeCpuSec: (cpu.user + cpu.system) / 1e6,
    nodeRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

const round = (x: number, d = 2): number => Number(x.toFixed(d));

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      modes: { type: 'string', default: CASES.join(',') },
      'no-bars': { type: 'boolean' },
      one: { type: 'string' },
      wrap: { type: 'string' },
    },
    allowPositionals: true,
  });
  const bars = values['no-bars'] !== true;
  if (values.one !== undefined) {
    // Child mode: `--one CASE --wrap DIR VIDEO`, prints one JSON line.
    const dir = values.wrap!;
    const r = await one(positionals[0]!, values.one as Case, bars, join(dir, 'ffmpeg'), join(dir, 'ffprobe'));
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const cases = values.modes.split(',').map((m) => m.trim()) as Case[];
  for (const c of cases)
    if (!CASES.includes(c))
      throw new Error(`Expected modes among ${CASES.join(', ')} but received ${JSON.stringify(c)}`);
  if (!has('/usr/bin/time'))
    throw new Error('The video benchmark needs /usr/bin/time (apt-get install time) to measure ffmpeg');
  const pin = has('taskset') ? ['taskset', '-c', '0'] : [];
  const videos = positionals.length > 0 ? positionals : defaultVideos();
  const script = fileURLToPath(import.meta.url);
  const rows: Record<string, string | number>[] = [];
  const looped = await mkdtemp(join(tmpdir(), 'tiphash-bench-minute-'));
  try {
    for (const source of videos) {
      const video = join(looped, basename(source));
      await run$('ffmpeg', [
        '-v',
        'error',
        '-stream_loop',
        '-1',
        '-i',
        source,
        '-t',
        '60',
        '-map',
        '0:V:0',
        '-c',
        'copy',
        video,
      ]);
      for (const c of ['decode-only', ...cases] as const) {
        const row = await measure(video, c, bars, pin, script);
        rows.push(row);
        console.log(JSON.stringify(row));
      }
    }
  } finally {
    await rm(looped, { recursive: true, force: true });
  }
  const cols = [
    'video',
    'size',
    'mode',
    'frames',
    'cpuSecPerMin',
    'wallSecPerMin',
    'xRealtime',
    'framesPerSec',
    'nodeCpuSec',
    'ffmpegCpuSec',
    'nodeRssMb',
    'ffmpegRssMb',
  ] as const;
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)) + 2);
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('');
  console.log('\n' + line([...cols]));
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
  console.log(
    `\n(per minute of video; CPU = node + ffmpeg user+sys; one core${pin.length ? ' (taskset -c 0)' : ''}, ffmpeg -threads 1;`,
  );
  console.log(
    ' frames = frames hashed, trimmed ones included; xRealtime = 60 / cpuSecPerMin; the machine may be shared)',
  );
}

/** Duration and size from ffprobe (the bench's own look, outside what is measured). */
async function describe(video: string): Promise<{ durationSec: number; width: number; height: number }> {
  const { stdout } = await run$('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'V:0',
    '-show_entries',
    'stream=width,height:format=duration',
    '-of',
    'json',
    video,
  ]);
  const j = JSON.parse(stdout) as { streams: Array<{ width: number; height: number }>; format: { duration: string } };
  return { durationSec: Number(j.format.duration), width: j.streams[0]!.width, height: j.streams[0]!.height };
}

/** One case in a fresh node process, ffmpeg and ffprobe behind /usr/bin/time. */
async function measure(
  video: string,
  c: Case | 'decode-only',
  bars: boolean,
  pin: string[],
  script: string,
): Promise<Record<string, string | number>> {
  const dir = await mkdtemp(join(tmpdir(), 'tiphash-bench-video-'));
  const log = join(dir, 'time.log');
  for (const tool of ['ffmpeg', 'ffprobe']) {
    await writeFile(join(dir, tool), `#!/bin/sh\nexec /usr/bin/time -a -o '${log}' -f '%U %S %M' ${tool} "$@"\n`, {
      mode: 0o700,
    });
  }
  try {
    const info = await describe(video);
    let r: Pick<One, 'frames' | 'wallSec' | 'nodeCpuSec' | 'nodeRssMb'>;
    if (c === 'decode-only') {
      const t0 = performance.now();
      await run$(join(dir, 'ffmpeg'), [
        '-v',
        'error',
        '-threads',
        '1',
        '-i',
        video,
        '-map',
        '0:V:0',
        '-f',
        'null',
        '-',
      ]);
      r = { frames: 0, wallSec: (performance.now() - t0) / 1000, nodeCpuSec: 0, nodeRssMb: 0 };
    } else {
      const argv = [
        ...pin,
        process.execPath,
        ...process.execArgv,
        script,
        '--one',
        c,
        '--wrap',
        dir,
        ...(bars ? [] : ['--no-bars']),
        video,
      ];
      const { stdout } = await run$(argv[0]!, argv.slice(1), { maxBuffer: 1 << 20 });
      r = JSON.parse(stdout.trim().split('\n').pop()!) as One;
    }
    const ff = timeTotals(await readFile(log, 'utf8'));
    const cpu = r.nodeCpuSec + ff.cpu;
    const perMinute = (x: number) => (x * 60) / info.durationSec;
    return {
      bench: 'video',
      video: basename(video),
      size: `${info.width}x${info.height}`,
      seconds: round(info.durationSec, 1),
      mode: c,
      bars: c === 'decode-only' ? '-' : String(bars),
      frames: r.frames,
      cpuSecPerMin: round(perMinute(cpu)),
      wallSecPerMin: round(perMinute(r.wallSec)),
      xRealtime: round(60 / perMinute(cpu), 1),
      framesPerSec: round(r.frames / r.wallSec, 1),
      nodeCpuSec: round(r.nodeCpuSec),
      ffmpegCpuSec: round(ff.cpu),
      nodeRssMb: Math.round(r.nodeRssMb),
      ffmpegRssMb: Math.round(ff.rssMb),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run(process.argv.slice(2));
}
