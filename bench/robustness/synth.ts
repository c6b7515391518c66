/**
 * Seeded, natural-looking synthetic pictures (landscapes, still lifes, skylines, textures)
 * drawn as SVG and rasterised by sharp, with film grain, so the robustness set can hold a few
 * hundred benign originals beyond the fixtures. The same seed always draws the same picture.
 */
import sharp from 'sharp';
import { rng } from '../../src/core/random.js';

type Rng = () => number;


const between = (r: Rng, lo: number, hi: number): number => lo + r() * (hi - lo);
const int = (r: Rng, lo: number, hi: number): number => Math.floor(between(r, lo, hi + 1));
const hsl = (h: number, s: number, l: number): string => `hsl(${h.toFixed(0)},${s.toFixed(0)}%,${l.toFixed(0)}%)`;
const f1 = (x: number): string => x.toFixed(1);
const f3 = (x: number): string => x.toFixed(3);

/** HSL (degrees, percent, percent) to RGB in 0..1, for filter matrices. */
function rgb(h: number, s: number, l: number): [number, number, number] {
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const hue = ((h % 360) + 360) % 360;
  const f = (n: number): number => {
    const k = (n + hue / 30) % 12;
    return l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0), f(8), f(4)];
}

/** A ridge line across the picture: a random walk, smoothed by its step size. */
function ridge(r: Rng, w: number, h: number, base: number, rough: number): string {
  const steps = int(r, 6, 18);
  let y = base;
  const pts: string[] = [`M0,${h}`];
  for (let i = 0; i <= steps; i++) {
    y = Math.min(h, Math.max(h * 0.1, y + between(r, -rough, rough)));
    pts.push(`L${f1((i * w) / steps)},${f1(y)}`);
  }
  pts.push(`L${w},${h}Z`);
  return pts.join(' ');
}

function landscape(r: Rng, w: number, h: number): string {
  const hue = between(r, 180, 240);
  const horizon = h * between(r, 0.35, 0.65);
  const parts: string[] = [
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hsl(hue, between(r, 40, 80), between(r, 25, 55))}"/><stop offset="1" stop-color="${hsl(hue + between(r, -30, 40), between(r, 20, 60), between(r, 65, 90))}"/></linearGradient>`,
    `<filter id="soft"><feGaussianBlur stdDeviation="${f1(w / 60)}"/></filter></defs>`,
    `<rect width="${w}" height="${h}" fill="url(#sky)"/>`,
  ];
  if (r() < 0.6)
    parts.push(
      `<circle cx="${f1(between(r, 0, w))}" cy="${f1(between(r, 0, horizon * 0.7))}" r="${f1(between(r, w / 40, w / 12))}" fill="${hsl(between(r, 30, 60), 90, between(r, 70, 92))}" filter="url(#soft)"/>`,
    );
  for (let i = int(r, 1, 7); i > 0; i--) {
    parts.push(
      `<ellipse cx="${f1(between(r, 0, w))}" cy="${f1(between(r, 0, horizon * 0.8))}" rx="${f1(between(r, w / 15, w / 4))}" ry="${f1(between(r, h / 40, h / 10))}" fill="white" opacity="${between(r, 0.3, 0.9).toFixed(2)}" filter="url(#soft)"/>`,
    );
  }
  const layers = int(r, 1, 4);
  const groundHue = between(r, 20, 140);
  for (let i = 0; i < layers; i++) {
    const depth = (i + 1) / layers;
    const base = horizon + ((h - horizon) * i) / (layers + 1);
    parts.push(
      `<path d="${ridge(r, w, h, base, h * 0.12 * (1.2 - depth))}" fill="${hsl(groundHue + between(r, -20, 20), between(r, 20, 60), 55 - 35 * depth + between(r, -8, 8))}"/>`,
    );
  }
  for (let i = int(r, 0, 25); i > 0; i--) {
    const x = between(r, 0, w);
    const y = between(r, horizon, h);
    const s = (h / 12) * (0.3 + (y - horizon) / (h - horizon));
    parts.push(
      `<rect x="${f1(x - s / 16)}" y="${f1(y - s * 0.2)}" width="${f1(s / 8)}" height="${f1(s * 0.4)}" fill="${hsl(25, 40, 20)}"/>`,
    );
    parts.push(
      `<polygon points="${f1(x)},${f1(y - s * 1.6)} ${f1(x - s / 2)},${f1(y)} ${f1(x + s / 2)},${f1(y)}" fill="${hsl(between(r, 90, 150), between(r, 30, 60), between(r, 15, 35))}"/>`,
    );
  }
  return parts.join('');
}

function stillLife(r: Rng, w: number, h: number): string {
  const wallHue = between(r, 0, 360);
  const table = h * between(r, 0.5, 0.75);
  const parts: string[] = [
    `<defs><filter id="shadow"><feGaussianBlur stdDeviation="${f1(w / 80)}"/></filter>`,
    `<linearGradient id="wall" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${hsl(wallHue, between(r, 5, 40), between(r, 30, 85))}"/><stop offset="1" stop-color="${hsl(wallHue + 20, between(r, 5, 40), between(r, 15, 60))}"/></linearGradient></defs>`,
    `<rect width="${w}" height="${h}" fill="url(#wall)"/>`,
    `<rect y="${f1(table)}" width="${w}" height="${f1(h - table)}" fill="${hsl(between(r, 15, 45), between(r, 20, 60), between(r, 20, 60))}"/>`,
  ];
  for (let i = int(r, 2, 9); i > 0; i--) {
    const cx = between(r, w * 0.05, w * 0.95);
    const rx = between(r, w / 30, w / 7);
    const ry = rx * between(r, 0.6, 2.2);
    const cy = table + between(r, -ry * 0.3, (h - table) * 0.5);
    const hue = between(r, 0, 360);
    const id = `g${i}`;
    parts.push(
      `<defs><radialGradient id="${id}" cx="0.35" cy="0.3" r="0.8"><stop offset="0" stop-color="${hsl(hue, between(r, 40, 90), between(r, 65, 85))}"/><stop offset="1" stop-color="${hsl(hue, between(r, 40, 90), between(r, 10, 35))}"/></radialGradient></defs>`,
    );
    parts.push(
      `<ellipse cx="${f1(cx + rx * 0.3)}" cy="${f1(cy + ry * 0.9)}" rx="${f1(rx * 1.1)}" ry="${f1(ry * 0.25)}" fill="black" opacity="0.35" filter="url(#shadow)"/>`,
    );
    if (r() < 0.5)
      parts.push(`<ellipse cx="${f1(cx)}" cy="${f1(cy)}" rx="${f1(rx)}" ry="${f1(ry)}" fill="url(#${id})"/>`);
    else
      parts.push(
        `<rect x="${f1(cx - rx)}" y="${f1(cy - ry)}" width="${f1(2 * rx)}" height="${f1(2 * ry)}" rx="${f1(rx * between(r, 0, 0.5))}" fill="url(#${id})" transform="rotate(${f1(between(r, -15, 15))} ${f1(cx)} ${f1(cy)})"/>`,
      );
  }
  return parts.join('');
}

function skyline(r: Rng, w: number, h: number): string {
  const night = r() < 0.4;
  const parts: string[] = [
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${night ? hsl(230, 50, 8) : hsl(between(r, 190, 220), 60, 45)}"/><stop offset="1" stop-color="${night ? hsl(260, 40, 25) : hsl(between(r, 20, 50), 70, 80)}"/></linearGradient></defs>`,
    `<rect width="${w}" height="${h}" fill="url(#sky)"/>`,
  ];
  let x = between(r, -w / 20, 0);
  while (x < w) {
    const bw = between(r, w / 25, w / 8);
    const bh = between(r, h * 0.15, h * 0.8);
    const top = h - bh;
    parts.push(
      `<rect x="${f1(x)}" y="${f1(top)}" width="${f1(bw)}" height="${f1(bh)}" fill="${hsl(between(r, 190, 250), between(r, 5, 25), night ? between(r, 5, 18) : between(r, 25, 60))}"/>`,
    );
    const win = Math.max(3, bw / int(r, 4, 9));
    for (let wy = top + win; wy < h - win; wy += win * 1.8) {
      for (let wx = x + win / 2; wx < x + bw - win; wx += win * 1.6) {
        if (r() < (night ? 0.45 : 0.8))
          parts.push(
            `<rect x="${f1(wx)}" y="${f1(wy)}" width="${f1(win * 0.8)}" height="${f1(win)}" fill="${night ? hsl(50, 90, between(r, 50, 80)) : hsl(200, 20, between(r, 55, 85))}"/>`,
          );
      }
    }
    x += bw + between(r, 0, w / 40);
  }
  return parts.join('');
}

/** A ramp between two moderate colours, driven by noise: stone, wood, water, foliage, cloud. */
function texture(r: Rng, w: number, h: number): string {
  const seed = int(r, 1, 1_000_000);
  const freq = between(r, 0.002, 0.02);
  const hue = between(r, 0, 360);
  const [dark, light] = [
    rgb(hue, between(r, 10, 45), between(r, 10, 35)),
    rgb(hue + between(r, -40, 40), between(r, 10, 45), between(r, 55, 90)),
  ];
  // Each output channel = dark + (light - dark) x the noise's first channel, stretched to span the ramp.
  const row = (c: number) => `${f3((light[c]! - dark[c]!) * 2)} 0 0 0 ${f3(dark[c]! - (light[c]! - dark[c]!) * 0.5)}`;
  const parts: string[] = [
    `<defs><filter id="t" x="0" y="0" width="100%" height="100%" color-interpolation-filters="sRGB"><feTurbulence type="${r() < 0.5 ? 'fractalNoise' : 'turbulence'}" baseFrequency="${freq.toFixed(4)} ${(freq * between(r, 0.3, 3)).toFixed(4)}" numOctaves="${int(r, 2, 6)}" seed="${seed}"/>`,
    `<feColorMatrix type="matrix" values="${row(0)} ${row(1)} ${row(2)} 0 0 0 0 1"/></filter></defs>`,
    `<rect width="${w}" height="${h}" filter="url(#t)"/>`,
  ];
  for (let i = int(r, 0, 4); i > 0; i--) {
    parts.push(
      `<circle cx="${f1(between(r, 0, w))}" cy="${f1(between(r, 0, h))}" r="${f1(between(r, w / 20, w / 5))}" fill="${hsl(hue + between(r, -60, 60), between(r, 10, 50), between(r, 20, 80))}" opacity="${between(r, 0.3, 0.8).toFixed(2)}"/>`,
    );
  }
  return parts.join('');
}

const SCENES = { landscape, stillLife, skyline, texture } as const;
export type SceneKind = keyof typeof SCENES;
export const SCENE_KINDS = Object.keys(SCENES) as SceneKind[];

const ASPECTS = [4 / 3, 3 / 2, 16 / 9, 1, 3 / 4, 2 / 3, 9 / 16] as const;

/** Monochrome gaussian film grain around mid-grey, from the seeded generator (sharp's noise is not seeded). */
function grainPixels(r: Rng, w: number, h: number, sigma: number): Buffer {
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    // Box-Muller: one normal deviate per pixel.
    const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    px.fill(Math.max(0, Math.min(255, Math.round(128 + sigma * g))), i * 3, i * 3 + 3);
  }
  return px;
}

export const sceneKind = (seed: number): SceneKind => SCENE_KINDS[seed % SCENE_KINDS.length]!;

/** The `seed`-th synthetic picture as a JPEG (quality 95), like a camera or editor would save it. */
export async function syntheticPicture(seed: number): Promise<{ kind: SceneKind; bytes: Buffer }> {
  const r = rng(seed);
  const kind = sceneKind(seed);
  const long = int(r, 480, 1200);
  const aspect = ASPECTS[int(r, 0, ASPECTS.length - 1)]!;
  const w = aspect >= 1 ? long : Math.round(long * aspect);
  const h = aspect >= 1 ? Math.round(long / aspect) : long;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${SCENES[kind](r, w, h)}</svg>`;
  const grain = await sharp(grainPixels(r, w, h, between(r, 8, 30)), { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
  const bytes = await sharp(Buffer.from(svg))
    .composite([{ input: grain, blend: 'soft-light' }])
    .flatten()
    .jpeg({ quality: 95 })
    .toBuffer();
  return { kind, bytes };
}
