/**
 * Benign test pictures for the service's fault test and end-to-end benchmark: edits (crops,
 * resizes, brightness, flips, JPEG quality) of the ThreatExchange photos and of the bridge
 * fixture, plus random-noise pictures that match nothing. Written to a temporary folder,
 * never into the repository.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Metadata } from 'sharp';

export interface GenerateOptions {
  /** Photos to edit (paths). */
  sources: string[];
  /** Width of the output: ~1 MP pictures for the benchmark, small ones for tests. */
  width: number;
  /** Every n-th picture is noise (matches nothing); 0 for none. */
  noiseEvery?: number;
}

/** Writes `count` distinct JPEGs into `dir` and returns their paths (in order). */
export async function generateImages(dir: string, count: number, opts: GenerateOptions): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const sources = await Promise.all(opts.sources.map(async (p) => ({ p, meta: await sharp(p).metadata() })));
  const paths: string[] = [];
  const pending: Array<Promise<unknown>> = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `img-${String(i).padStart(5, '0')}.jpg`);
    paths.push(path);
    pending.push(render(i, path, sources, opts));
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return paths;
}

async function render(
  i: number,
  path: string,
  sources: Array<{ p: string; meta: Metadata }>,
  opts: GenerateOptions,
): Promise<void> {
  const width = opts.width;
  if (opts.noiseEvery && i % opts.noiseEvery === opts.noiseEvery - 1) {
    const w = Math.max(64, Math.round(width / 4));
    const h = Math.round(w * 0.75);
    await sharp(randomBytes(w * h * 3), { raw: { width: w, height: h, channels: 3 } })
      .resize(width)
      .jpeg({ quality: 80 })
      .toFile(path);
    return;
  }
  const { p, meta } = sources[i % sources.length]!;
  // rotate() applies the EXIF orientation first: orientations 5-8 swap the sides.
  const turned = (meta.orientation ?? 1) >= 5;
  const sw = (turned ? meta.height : meta.width) ?? width;
  const sh = (turned ? meta.width : meta.height) ?? width;
  // A crop of 97–100% of the photo at a varying offset, then resized (aspect kept), re-lit,
  // sometimes mirrored and re-encoded: edits a perceptual hash is meant to survive.
  const f = 0.97 + (i % 4) / 100;
  const cw = Math.max(16, Math.floor(sw * f));
  const ch = Math.max(16, Math.floor(sh * f));
  let img = sharp(p)
    .rotate()
    .extract({
      left: Math.floor(((sw - cw) * (i % 5)) / 4),
      top: Math.floor(((sh - ch) * (i % 3)) / 2),
      width: cw,
      height: ch,
    })
    .resize(width)
    .modulate({ brightness: 0.85 + (i % 7) * 0.05 });
  if (i % 4 === 3) img = img.flop();
  await img.jpeg({ quality: 70 + (i % 25) }).toFile(path);
}
