import { cpus } from 'node:os';
import { loadConfig } from '../config/index.js';
import { invalidArgument } from '../core/errors.js';
import { analyseItem, pipelineOptions, videoOptions, type Analysis } from '../pipeline/item.js';
import { mapOrdered } from '../pipeline/sources.js';
import { parse, positiveInt } from './args.js';
import { videoMode } from './scan.js';

const HELP = `Usage: tiphash hash [--exact] [--dihedral] [--squash512] [--every-frame|--keyframes] [--prune N] [--concurrency N] FILE...

Prints one JSON object per file: path, size, md5, sha1, sha256, mediaType, then
  a picture: pdq, pdqQuality, blockhash, plus pdqTrimmed (and pdqTrimmedVariants) when uniform
             bands were trimmed, and pdqDihedral (8 hashes) with --dihedral;
  a video or an animated GIF/WebP: vpdq [{frame, ts, pdq, quality}] — the frame hashes vPDQ
             lists hold — plus vpdqTrimmed (the frames inside its bars) when it has bars, and
             video {durationSec, width, height, fps, mode}; an animation also gets its first
             frame's picture hashes;
or {"path", "error": {"code", "message"}} for a file that could not be hashed (with its
digests when they could be taken). Exit status 1 when any file failed.

  --exact        full-resolution decode, bit-compatible with the PDQ reference (slower)
  --squash512    the C++ reference CLI's flavour (images over 512 px squashed to 512x512)
  --dihedral     also the 8 rotation/flip PDQ hashes, in the reference's order
  --every-frame  videos: hash every frame (how vPDQ's sample hashes were made)
  --keyframes    videos: keyframes only (fast triage); default: one frame per second
  --prune N      videos: drop a frame within N bits of the last frame kept
  --concurrency  files hashed at once (default: number of cores)

Video settings (ffmpeg path, limits) come from TIPHASH_FFMPEG_PATH and TIPHASH_VIDEO_*.`;

export async function hashCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    exact: { type: 'boolean' },
    dihedral: { type: 'boolean' },
    squash512: { type: 'boolean' },
    'every-frame': { type: 'boolean' },
    keyframes: { type: 'boolean' },
    prune: { type: 'string' },
    concurrency: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP + '\n');
    return values.help ? 0 : 2;
  }
  const concurrency = positiveInt(values.concurrency, '--concurrency', cpus().length);
  const exact = values.exact === true;
  const opts = pipelineOptions({
    hashing: { exact, squash512: values.squash512 === true },
    video: videoOptions(loadConfig().video, {
      exact,
      ...videoMode(values),
      ...(values.prune === undefined ? {} : { pruneBits: bits(values.prune) }),
    }),
  });
  const dihedral = values.dihedral === true;
  let failed = 0;
  const lines = mapOrdered(positionals, concurrency, async (path) => {
    const a = await analyseItem({ kind: 'file', path }, opts);
    if (a.error) failed++;
    return hashLine(path, a, dihedral);
  });
  for await (const line of lines) process.stdout.write(JSON.stringify(line) + '\n');
  return failed > 0 ? 1 : 0;
}

/** --prune N: 0 (drop only identical consecutive frames) to 256 bits. */
function bits(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 256) throw invalidArgument('a number of bits from 0 to 256', '--prune', raw);
  return n;
}

/** One file's line: what was taken of it, in a stable key order. */
export function hashLine(path: string, a: Analysis, dihedral: boolean): Record<string, unknown> {
  const line: Record<string, unknown> = { path };
  if (a.size !== undefined) line.size = a.size;
  Object.assign(line, a.digests);
  if (a.mediaType !== undefined) line.mediaType = a.mediaType;
  if (a.hashes) {
    const { width: _w, height: _h, pdqDihedral, ...hashes } = a.hashes;
    Object.assign(line, hashes, dihedral && pdqDihedral ? { pdqDihedral } : {});
  }
  if (a.video) {
    // The frame hashes under vPDQ's name, as a vPDQ list holds them; the rest describes the video.
    const { frames, framesTrimmed, ...about } = a.video;
    line.video = about;
    line.vpdq = frames;
    if (framesTrimmed) line.vpdqTrimmed = framesTrimmed;
  }
  if (a.error) line.error = a.error;
  return line;
}
