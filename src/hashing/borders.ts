/**
 * Uniform bands along the edges (letterbox, pillarbox, frames) that re-posted pictures often
 * gain. A band line is one whose pixels all lie within a tolerance of the colour of the
 * outermost line on that side (a few outliers allowed, for JPEG noise); each side is measured
 * on its own, bands thinner than a minimum are ignored, and the content left on each axis must
 * keep a minimum share of the picture, so a flat picture is never trimmed away.
 */
import type { PdqTrimVariant } from '../core/hash.js';

export interface Bands {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface BandOptions {
  /** Largest per-channel difference from the band colour still counted as the band. */
  tolerance: number;
  /** Share of a line's pixels allowed outside the tolerance. */
  outlierFraction: number;
  /** A band narrower than max(minBandPixels, minBandFraction·side) is ignored. */
  minBandPixels: number;
  minBandFraction: number;
  /** The content must keep at least this share of each side, else that axis is not trimmed. */
  minContentFraction: number;
  /**
   * Lines past the band still taken as band when their luma (all PDQ sees) matches it: JPEG's
   * subsampled chroma tints the band line next to the content with the content's colour.
   */
  bleedLines: number;
  /**
   * When > 0, a band ends where the colour steps by more than this to another flat colour held
   * for `stepLines` lines: the picture's own frame or backdrop, inside a band added around it.
   */
  stepTolerance: number;
  /** How far a line's pixels may stray from its own colour for it to count as flat. */
  flatTolerance: number;
  stepLines: number;
}

export const DEFAULT_BAND_OPTIONS: Readonly<BandOptions> = Object.freeze({
  tolerance: 16,
  outlierFraction: 0.01,
  minBandPixels: 2,
  minBandFraction: 0.01,
  minContentFraction: 0.25,
  bleedLines: 2,
  stepTolerance: 0,
  flatTolerance: 3,
  stepLines: 3,
});

/** The outermost band only: stops at the picture's own frame or backdrop (see stepTolerance). */
export const OUTER_BAND_OPTIONS: Readonly<Partial<BandOptions>> = Object.freeze({ stepTolerance: 5 });

interface Image {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** A line of pixels: `count` pixels from `start`, `step` bytes apart. */
interface Line {
  start: number;
  step: number;
  count: number;
}

/** PDQ's luma weights (luma.ts), for the bleed test. */
const LUMA = [0.299, 0.587, 0.114] as const;

function lineColour(img: Image, line: Line): number[] {
  const colour: number[] = [];
  const hist = new Uint32Array(256);
  for (let c = 0; c < img.channels; c++) {
    hist.fill(0);
    for (let i = 0, p = line.start + c; i < line.count; i++, p += line.step) hist[img.data[p]!]!++;
    let seen = 0;
    let v = 0;
    while (seen + hist[v]! <= line.count >> 1) seen += hist[v++]!;
    colour.push(v);
  }
  return colour;
}

function lumaOf(img: Image, p: number): number {
  if (img.channels === 1) return img.data[p]!;
  return LUMA[0] * img.data[p]! + LUMA[1] * img.data[p + 1]! + LUMA[2] * img.data[p + 2]!;
}

/** Whether all but the allowed outliers of `line` lie within `tolerance` of `colour`. */
function isNear(img: Image, line: Line, colour: number[], tolerance: number, opts: BandOptions): boolean {
  const allowed = Math.floor(line.count * opts.outlierFraction);
  let outliers = 0;
  for (let i = 0, p = line.start; i < line.count; i++, p += line.step) {
    for (let c = 0; c < img.channels; c++) {
      if (Math.abs(img.data[p + c]! - colour[c]!) > tolerance) {
        if (++outliers > allowed) return false;
        break;
      }
    }
  }
  return true;
}

function isNearLuma(img: Image, line: Line, luma: number, opts: BandOptions): boolean {
  const allowed = Math.floor(line.count * opts.outlierFraction);
  let outliers = 0;
  for (let i = 0, p = line.start; i < line.count; i++, p += line.step) {
    if (Math.abs(lumaOf(img, p) - luma) > opts.tolerance && ++outliers > allowed) return false;
  }
  return true;
}

/**
 * Whether line k starts another flat colour held for stepLines lines. JPEG ringing next to the
 * content also shifts a line's colour, but from one line to the next, so it does not hold.
 */
function isStep(
  img: Image,
  lineAt: (k: number) => Line,
  k: number,
  lines: number,
  colour: number[],
  opts: BandOptions,
): boolean {
  if (opts.stepTolerance <= 0) return false;
  const own = lineColour(img, lineAt(k));
  if (own.every((v, c) => Math.abs(v - colour[c]!) <= opts.stepTolerance)) return false;
  for (let j = k; j < Math.min(lines, k + opts.stepLines); j++) {
    if (!isNear(img, lineAt(j), own, opts.flatTolerance, opts)) return false;
  }
  return true;
}

/** How many lines from one edge inward are band lines (lineAt(0) is the outermost); 0 below minBand. */
function bandDepth(img: Image, lines: number, lineAt: (k: number) => Line, minBand: number, opts: BandOptions): number {
  const colour = lineColour(img, lineAt(0));
  const inBand = (k: number): boolean =>
    isNear(img, lineAt(k), colour, opts.tolerance, opts) && !isStep(img, lineAt, k, lines, colour, opts);
  let depth = 0;
  while (depth < lines && inBand(depth)) depth++;
  if (depth < minBand) return 0;
  const luma = img.channels === 1 ? colour[0]! : LUMA[0] * colour[0]! + LUMA[1] * colour[1]! + LUMA[2] * colour[2]!;
  for (let bled = 0; bled < opts.bleedLines && depth < lines; bled++, depth++) {
    if (!isNearLuma(img, lineAt(depth), luma, opts) || isStep(img, lineAt, depth, lines, colour, opts)) break;
  }
  return depth;
}

/** The bands found, or null when there are none worth trimming. */
export function findBands(img: Image, options: Partial<BandOptions> = {}): Bands | null {
  const opts = { ...DEFAULT_BAND_OPTIONS, ...options };
  const { width, height, channels } = img;
  const rowStep = width * channels;
  const row = (y: number): Line => ({ start: y * rowStep, step: channels, count: width });
  const column = (x: number, y0: number, y1: number): Line => ({
    start: y0 * rowStep + x * channels,
    step: rowStep,
    count: y1 - y0,
  });
  const minBand = (side: number): number => Math.max(opts.minBandPixels, Math.ceil(side * opts.minBandFraction));
  // An axis whose bands would leave too little content keeps its lines: they are the picture.
  const fits = (a: number, b: number, side: number): boolean => side - a - b >= side * opts.minContentFraction;

  let top = bandDepth(img, height, (k) => row(k), minBand(height), opts);
  let bottom = bandDepth(img, height, (k) => row(height - 1 - k), minBand(height), opts);
  if (!fits(top, bottom, height)) top = bottom = 0;
  // Side bands are measured between the top and bottom bands, so a frame of two colours works.
  const y0 = top;
  const y1 = height - bottom;
  let left = bandDepth(img, width, (k) => column(k, y0, y1), minBand(width), opts);
  let right = bandDepth(img, width, (k) => column(width - 1 - k, y0, y1), minBand(width), opts);
  if (!fits(left, right, width)) left = right = 0;
  return top + bottom + left + right === 0 ? null : { top, bottom, left, right };
}

const NO_BANDS: Readonly<Bands> = Object.freeze({ top: 0, bottom: 0, left: 0, right: 0 });

const sameBands = (a: Bands, b: Bands): boolean =>
  a.top === b.top && a.bottom === b.bottom && a.left === b.left && a.right === b.right;

/** The band both sides would have if the picture had been centred: fitting rounds one line either way. */
const centred = (a: number, b: number): number => (Math.abs(a - b) > 1 ? Math.min(a, b) : 0);

/**
 * Other guesses at the picture that was framed, from the outer bands, beside the all-bands
 * trim `all` (pdqTrimmed): a re-post adds bands along one axis (trimTB, trimLR) around a
 * picture that may carry bands of its own on the other; fitting a picture into a canvas
 * centres it, so where opposite bands differ, the deeper one's excess is the picture's own
 * backdrop (trimCentredTB, trimCentredLR). Only distinct, non-empty trims, in that order.
 */
export function trimVariants(outer: Bands, all: Bands | null): Array<{ name: PdqTrimVariant; bands: Bands }> {
  const tb = centred(outer.top, outer.bottom);
  const lr = centred(outer.left, outer.right);
  const candidates: Array<{ name: PdqTrimVariant; bands: Bands }> = [
    { name: 'trimTB', bands: { ...NO_BANDS, top: outer.top, bottom: outer.bottom } },
    { name: 'trimLR', bands: { ...NO_BANDS, left: outer.left, right: outer.right } },
    { name: 'trimCentredTB', bands: { ...NO_BANDS, top: tb, bottom: tb } },
    { name: 'trimCentredLR', bands: { ...NO_BANDS, left: lr, right: lr } },
  ];
  const kept: Array<{ name: PdqTrimVariant; bands: Bands }> = [];
  for (const c of candidates) {
    const seen = [NO_BANDS, ...(all ? [all] : []), ...kept.map((k) => k.bands)];
    if (!seen.some((b) => sameBands(b, c.bands))) kept.push(c);
  }
  return kept;
}

/** The luma inside the bands, row-major. */
export function cropLuma(
  luma: Float32Array,
  width: number,
  height: number,
  bands: Bands,
): { luma: Float32Array; width: number; height: number } {
  const w = width - bands.left - bands.right;
  const h = height - bands.top - bands.bottom;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const from = (y + bands.top) * width + bands.left;
    out.set(luma.subarray(from, from + w), y * w);
  }
  return { luma: out, width: w, height: h };
}
