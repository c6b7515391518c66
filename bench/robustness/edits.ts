/**
 * The edits a re-posted picture goes through (issue: half size, JPEG q30, light blur, +20%
 * brightness and saturation, grayscale, WebP, 256-px thumbnail, letterbox, 90° rotation,
 * mirror), each applied by sharp to the original's stored pixels. Every edit is saved as a
 * JPEG of quality 90, the way a platform re-encodes an upload, unless the edit is itself an
 * encoding (JPEG q30, WebP).
 */
import sharp, { type Sharp } from 'sharp';

/**
 * pixels: the frame stays, its pixels change; bands: uniform bands are added (PDQ's trimmed
 * hash undoes them); geometry: a rotation or flip (PDQ's dihedral hashes undo it). Blockhash
 * compares block grids directly, so it can only follow `pixels` edits.
 */
export type EditKind = 'pixels' | 'bands' | 'geometry';

export interface Edit {
  name: string;
  kind: EditKind;
  apply(original: Buffer): Promise<Buffer>;
}

/** Share of the original height added as a band above and below by the letterbox edits. */
export const LETTERBOX_SHARE = 0.12;

const jpeg90 = (s: Sharp): Promise<Buffer> => s.jpeg({ quality: 90 }).toBuffer();

async function size(original: Buffer): Promise<{ width: number; height: number }> {
  const { width, height } = await sharp(original).metadata();
  return { width, height };
}

function letterbox(name: string, background: string): Edit {
  return {
    name,
    kind: 'bands',
    async apply(original) {
      const band = Math.round((await size(original)).height * LETTERBOX_SHARE);
      return jpeg90(sharp(original).extend({ top: band, bottom: band, background }));
    },
  };
}

const plain = (name: string, apply: (original: Buffer) => Promise<Buffer>): Edit => ({ name, kind: 'pixels', apply });

export const EDITS: readonly Edit[] = [
  plain('half', async (o) => jpeg90(sharp(o).resize({ width: Math.max(1, Math.round((await size(o)).width / 2)) }))),
  plain('jpeg-q30', (o) => sharp(o).jpeg({ quality: 30 }).toBuffer()),
  plain('blur-1', (o) => jpeg90(sharp(o).blur(1))),
  plain('bright-sat+20%', (o) => jpeg90(sharp(o).modulate({ brightness: 1.2, saturation: 1.2 }))),
  plain('grayscale', (o) => jpeg90(sharp(o).grayscale())),
  plain('webp', (o) => sharp(o).webp().toBuffer()),
  plain('thumb-256', (o) => jpeg90(sharp(o).resize(256, 256, { fit: 'inside', withoutEnlargement: true }))),
  letterbox('letterbox-black', '#000000'),
  letterbox('letterbox-white', '#ffffff'),
  letterbox('letterbox-blue', '#2a5caa'),
  { name: 'rotate-90', kind: 'geometry', apply: (o) => jpeg90(sharp(o).rotate(90)) },
  { name: 'mirror', kind: 'geometry', apply: (o) => jpeg90(sharp(o).flop()) },
];
