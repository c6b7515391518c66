/**
 * Uniform bands along the edges (letterbox, pillarbox, frames) that re-posted pictures often
 * gain. A band line is one whose pixels all lie within a tolerance of the colour of the
 * outermost line on that side (a few outliers allowed, for JPEG noise); each side is measured
 * on its own, bands thinner than a minimum are ignored, and the content left must keep a
 * minimum share of the picture, so a flat picture is never trimmed away.
 */
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
  /** The content must keep at least this share of each side, else nothing is trimmed. */
  minContentFraction: number;
}

export const DEFAULT_BAND_OPTIONS: Readonly<BandOptions> = Object.freeze({
  tolerance: 16,
  outlierFraction: 0.01,
  minBandPixels: 2,
  minBandFraction: 0.01,
  minContentFraction: 0.25,
});

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

function isBandLine(img: Image, line: Line, colour: number[], opts: BandOptions): boolean {
  const allowed = Math.floor(line.count * opts.outlierFraction);
  let outliers = 0;
  for (let i = 0, p = line.start; i < line.count; i++, p += line.step) {
    for (let c = 0; c < img.channels; c++) {
      if (Math.abs(img.data[p + c]! - colour[c]!) > opts.tolerance) {
        if (++outliers > allowed) return false;
        break;
      }
    }
  }
  return true;
}

/** How many lines from one edge inward are band lines (lineAt(0) is the outermost). */
function bandDepth(img: Image, lines: number, lineAt: (k: number) => Line, opts: BandOptions): number {
  const colour = lineColour(img, lineAt(0));
  let depth = 0;
  while (depth < lines && isBandLine(img, lineAt(depth), colour, opts)) depth++;
  return depth;
}

/** The bands found, or null when there are none worth trimming. */
export function findBands(img: Image, options: Partial<BandOptions> = {}): Bands | null {
  const opts = { ...DEFAULT_BAND_OPTIONS, ...options };
  const { width, height, channels } = img;
  const rowStep = width * channels;
  const row = (y: number, x0: number, x1: number): Line => ({
    start: y * rowStep + x0 * channels,
    step: channels,
    count: x1 - x0,
  });
  const column = (x: number, y0: number, y1: number): Line => ({
    start: y0 * rowStep + x * channels,
    step: rowStep,
    count: y1 - y0,
  });
  const minBand = (side: number): number => Math.max(opts.minBandPixels, Math.ceil(side * opts.minBandFraction));
  const keep = (depth: number, side: number): number => (depth >= minBand(side) ? depth : 0);

  const top = keep(
    bandDepth(img, height, (k) => row(k, 0, width), opts),
    height,
  );
  const bottom = keep(
    bandDepth(img, height, (k) => row(height - 1 - k, 0, width), opts),
    height,
  );
  if (height - top - bottom < height * opts.minContentFraction) return null;
  // Side bands are measured between the top and bottom bands, so a frame of two colours works.
  const y0 = top;
  const y1 = height - bottom;
  const left = keep(
    bandDepth(img, width, (k) => column(k, y0, y1), opts),
    width,
  );
  const right = keep(
    bandDepth(img, width, (k) => column(width - 1 - k, y0, y1), opts),
    width,
  );
  if (width - left - right < width * opts.minContentFraction) return null;
  return top + bottom + left + right === 0 ? null : { top, bottom, left, right };
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
