/**
 * Still-image hashing benchmark: per image and mode (fast, exact), the median time of each
 * stage on one core (sharp.concurrency(1), one process): read+digest, decode, luma+PDQ,
 * borders, blockhash, dihedral. Prints one JSON line per case, then a table. No assertions.
 * `npx tsx bench/hashing.ts [--iterations N] [image ...]` (default: the 12 MP and 1.6 MP
 * reference JPEGs from ../shared).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { blockhashFromRgba, rgbaFromPixels } from '../src/hashing/blockhash.js';
import { findBands } from '../src/hashing/borders.js';
import { readAndDigest } from '../src/hashing/digest.js';
import { FAST_MIN_DECODED_SIDE } from '../src/hashing/index.js';
import { lumaFromPixels } from '../src/hashing/luma.js';
import { pdqFromLuma } from '../src/hashing/pdq.js';
import { pdqDihedral } from '../src/hashing/pdq-dihedral.js';
import { DEFAULT_DECODE_LIMITS, decodeImage } from '../src/media/decode.js';

const STAGES = ['readDigest', 'decode', 'pdq', 'borders', 'blockhash', 'dihedral'] as const;
type Stage = (typeof STAGES)[number];

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function defaultImages(): string[] {
  const shared = process.env.TIPHASH_SHARED ?? resolve(repoRoot(), '../shared');
  const data = join(shared, 'fixtures/threatexchange/pdq/data');
  return [join(data, 'reg-test-input/exif-rotn/exif-rotn-1.jpg'), join(data, 'bridge-mods/aaa-orig.jpg')];
}

async function once(path: string, exact: boolean): Promise<Record<Stage, number> & { decoded: string }> {
  const t: number[] = [performance.now()];
  const lap = (): void => void t.push(performance.now());
  const { bytes } = await readAndDigest(path, DEFAULT_DECODE_LIMITS.maxBytes);
  lap();
  const img = await decodeImage(bytes, { shrinkMinSide: exact ? 0 : FAST_MIN_DECODED_SIDE });
  lap();
  const luma = lumaFromPixels(img.data, img.width, img.height, img.channels);
  const pdq = pdqFromLuma(luma, img.width, img.height, {
    flavour: exact ? 'exact' : 'fast',
    storedWidth: img.storedWidth,
    storedHeight: img.storedHeight,
  });
  lap();
  findBands(img);
  lap();
  blockhashFromRgba(rgbaFromPixels(img.data, img.width, img.height, img.channels, img.alpha), img.width, img.height, 2);
  lap();
  pdqDihedral(pdq);
  lap();
  const ms = Object.fromEntries(STAGES.map((s, i) => [s, t[i + 1]! - t[i]!])) as Record<Stage, number>;
  return { ...ms, decoded: `${img.width}x${img.height}` };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/**
 * The least work libjpeg can do for this file through sharp: entropy-decode every block, DC-only
 * IDCT (1/8 scale), tiny output. No hashing mode can decode a JPEG faster than this.
 */
async function jpegDecodeFloorMs(path: string, runs: number): Promise<number | null> {
  const { bytes } = await readAndDigest(path, DEFAULT_DECODE_LIMITS.maxBytes);
  if ((await sharp(bytes).metadata()).format !== 'jpeg') return null;
  const ms: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const t = performance.now();
    await sharp(bytes).resize(16).raw().toBuffer();
    ms.push(performance.now() - t);
  }
  return round(median(ms.slice(3)));
}

export async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { iterations: { type: 'string', default: '15' } },
    allowPositionals: true,
  });
  const iterations = Number(values.iterations);
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new Error(`Expected a positive integer for --iterations but received ${JSON.stringify(values.iterations)}`);
  sharp.concurrency(1);
  const images = positionals.length > 0 ? positionals : defaultImages();
  const rows: Record<string, string | number>[] = [];
  for (const path of images) {
    const meta = await sharp(path).metadata();
    const floorMs = await jpegDecodeFloorMs(path, iterations);
    for (const mode of ['fast', 'exact'] as const) {
      const runs = mode === 'exact' ? Math.max(3, Math.ceil(iterations / 3)) : iterations;
      for (let w = 0; w < 3; w++) await once(path, mode === 'exact');
      const samples: Awaited<ReturnType<typeof once>>[] = [];
      for (let i = 0; i < runs; i++) samples.push(await once(path, mode === 'exact'));
      const perStage = Object.fromEntries(STAGES.map((s) => [s, round(median(samples.map((x) => x[s])))])) as Record<
        Stage,
        number
      >;
      const totalMs = round(median(samples.map((x) => STAGES.reduce((sum, s) => sum + x[s], 0))));
      const row = {
        bench: 'hashing',
        image: basename(path),
        stored: `${meta.width}x${meta.height}`,
        decoded: samples[0]!.decoded,
        mode,
        runs,
        totalMs,
        imagesPerSecond: round(1000 / totalMs, 1),
        ...perStage,
        jpegDecodeFloorMs: floorMs ?? '-',
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  const cols = ['image', 'mode', 'decoded', 'imagesPerSecond', 'totalMs', ...STAGES, 'jpegDecodeFloorMs'] as const;
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)) + 2);
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('');
  console.log('\n' + line([...cols]));
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
  console.log('\n(ms are medians per stage; one core, sharp.concurrency(1); the machine may be shared;');
  console.log(' jpegDecodeFloorMs: sharp at 1/8 scale to a 16 px thumbnail, the least a JPEG decode can cost here)');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run(process.argv.slice(2));
}
