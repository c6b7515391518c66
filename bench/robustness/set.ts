/**
 * The benign originals of the robustness evaluation, de-duplicated by content:
 * - photo: the distinct pictures of ../shared/fixtures (one bridge, not its edits or modes;
 *   17 blockhash test images; LabelMe scenes; desk and coaster shots) and stills from the
 *   distinct sample videos (not their SD/HD/logo/grey variants);
 * - crop: non-overlapping tiles of the larger photos, each a picture of its own (in its
 *   photo's group);
 * - synthetic: seeded scenes drawn by synth.ts.
 * Pictures of one scene (the four desk shots, two shots of one coaster, a matched pair of
 * cabinets, frames of one room, tiles of one photo) share a `group`: the false-match test
 * compares only pictures of different groups, and reports same-group distances on their own.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { frameAt, hasFfmpeg } from './frames.js';
import { sceneKind, syntheticPicture } from './synth.js';

export type Category = 'photo' | 'crop' | 'synthetic';
export const CATEGORIES: readonly Category[] = ['photo', 'crop', 'synthetic'];

export interface Original {
  name: string;
  category: Category;
  group: string;
  load(): Promise<Buffer>;
}

export interface SetOptions {
  /** Fewer generated originals, for a quick run. */
  fast: boolean;
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function sharedFixtures(): string {
  const dir = join(process.env.TIPHASH_SHARED ?? resolve(repoRoot(), '../shared'), 'fixtures');
  if (!existsSync(dir)) throw new Error(`Expected the shared reference fixtures at ${dir} (set TIPHASH_SHARED)`);
  return dir;
}

/**
 * The picture as people see it: a transparent PNG is flattened onto white, since the product
 * hashes the colour stored under transparent pixels, which a re-post would not keep.
 */
async function opaque(path: string): Promise<Buffer> {
  const bytes = await readFile(path);
  const img = sharp(bytes);
  if (!(await img.metadata()).hasAlpha || (await img.stats()).isOpaque) return bytes;
  return sharp(bytes).flatten({ background: '#ffffff' }).png().toBuffer();
}

interface PhotoSpec {
  rel: string;
  group?: string;
  /** Columns x rows of non-overlapping crops taken from it. */
  tiles?: [number, number];
}

const PDQ = 'threatexchange/pdq/data';
const REG = `${PDQ}/reg-test-input`;
const BLOCKHASH = [
  '00002701.jpg',
  '00011601.jpg',
  '00094701.jpg',
  '00106901.jpg',
  '00133601.jpg',
  '00136101.jpg',
  '01109801.jpg',
  '06855701.jpg',
  '24442301.jpg',
  '32499201.jpg',
  'Babylonian.png',
  'clipper_ship.jpg',
  'emptyBasket.png',
  'puffy_white.png',
  'stoplights.jpg',
];

const PHOTOS: readonly PhotoSpec[] = [
  { rel: `${PDQ}/bridge-mods/aaa-orig.jpg`, tiles: [3, 2] },
  // Four shots of one desk, seconds apart; each stored with a different EXIF orientation.
  { rel: `${REG}/exif-rotn/exif-rotn-1.jpg`, group: 'desk', tiles: [4, 3] },
  { rel: `${REG}/exif-rotn/exif-rotn-3.jpg`, group: 'desk' },
  { rel: `${REG}/exif-rotn/exif-rotn-6.jpg`, group: 'desk' },
  { rel: `${REG}/exif-rotn/exif-rotn-8.jpg`, group: 'desk' },
  { rel: `${REG}/pen-and-coaster.png`, group: 'coaster', tiles: [2, 2] },
  { rel: `${PDQ}/misc-images/c.png`, group: 'coaster', tiles: [3, 2] },
  { rel: `${PDQ}/misc-images/small.jpg` },
  { rel: `${PDQ}/misc-images/wee.jpg` },
  ...['q0003', 'q0004', 'q0122', 'q0291', 'q0746', 'q1050', 'q2821'].map((q) => ({
    rel: `${REG}/labelme-subset/${q}.jpg`,
  })),
  ...BLOCKHASH.map((f): PhotoSpec => ({ rel: `blockhash/${f}`, tiles: [2, 2] })),
  // Twin cabinets photographed the same way: different objects, near-identical pictures.
  { rel: 'blockhash/00631701.jpg', group: 'cabinet-pair', tiles: [2, 2] },
  { rel: 'blockhash/00631801.jpg', group: 'cabinet-pair', tiles: [2, 2] },
];

/** Distinct clips only; frames of one clip (or of one room) form one group. */
const VIDEOS: readonly { file: string; group: string; seconds: number[] }[] = [
  { file: 'chair-orig-22-sd-bar.mp4', group: 'chair-room', seconds: [1, 9, 17] },
  { file: 'chair-19-sd-bar.mp4', group: 'chair-room', seconds: [8] },
  { file: 'chair-20-sd-bar.mp4', group: 'chair-room', seconds: [14] },
  { file: 'doorknob-hd-no-bar.mp4', group: 'doorknob', seconds: [0.5, 3] },
  { file: 'pattern-hd-no-bar.mp4', group: 'pattern', seconds: [0.5, 3.5, 6.5] },
];

const SYNTHETIC_FULL = 160;
const SYNTHETIC_FAST = 16;
/** In --fast, one crop in this many. */
const FAST_CROP_STRIDE = 6;

/**
 * Crops share their photo's group: sibling tiles of a symmetric subject are near mirror
 * images of each other, which a dihedral list rightly matches.
 */
function crops(path: string, name: string, group: string, [cols, rows]: [number, number]): Original[] {
  const out: Original[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const tile = `${name}#${c},${r}`;
      out.push({
        name: tile,
        category: 'crop',
        group,
        async load() {
          const source = await opaque(path);
          const { width, height } = await sharp(source).metadata();
          const w = Math.floor(width / cols);
          const h = Math.floor(height / rows);
          return sharp(source)
            .extract({ left: c * w, top: r * h, width: w, height: h })
            .jpeg({ quality: 95 })
            .toBuffer();
        },
      });
    }
  }
  return out;
}

export interface BenchSet {
  originals: Original[];
  /** Why some sources were left out (e.g. no ffmpeg for the video stills). */
  notes: string[];
}

export function buildSet(options: SetOptions): BenchSet {
  const root = sharedFixtures();
  const photos: Original[] = [];
  let tiles: Original[] = [];
  for (const spec of PHOTOS) {
    const path = join(root, spec.rel);
    const name = basename(spec.rel);
    const group = spec.group ?? name;
    photos.push({ name, category: 'photo', group, load: () => opaque(path) });
    if (spec.tiles) tiles.push(...crops(path, name, group, spec.tiles));
  }
  const notes: string[] = [];
  if (hasFfmpeg()) {
    const dir = join(root, 'threatexchange/tmk/sample-videos');
    for (const v of VIDEOS) {
      for (const s of v.seconds) {
        photos.push({
          name: `${v.file}@${s}s`,
          category: 'photo',
          group: v.group,
          load: () => frameAt(join(dir, v.file), s),
        });
      }
    }
  } else {
    notes.push('ffmpeg not found: the stills from the sample videos were left out');
  }
  if (options.fast) tiles = tiles.filter((_, i) => i % FAST_CROP_STRIDE === 0);
  const synthetic: Original[] = [];
  const count = options.fast ? SYNTHETIC_FAST : SYNTHETIC_FULL;
  for (let seed = 0; seed < count; seed++) {
    const name = `synthetic-${seed}-${sceneKind(seed)}`;
    synthetic.push({
      name,
      category: 'synthetic',
      group: name,
      load: async () => (await syntheticPicture(seed)).bytes,
    });
  }
  return { originals: [...photos, ...tiles, ...synthetic], notes };
}
