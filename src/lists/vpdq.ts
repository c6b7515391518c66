/**
 * Video (vPDQ) list entries. A video is a bag of frame hashes, so one video becomes one entry
 * per frame, all sharing the video's `id` (how the store keeps them: one 32-byte hash a row).
 * Frames are reduced as vPDQ matching reduces them before counting: identical hashes once
 * (first seen), then quality < 50 dropped. So what is stored is exactly what is compared.
 *
 * Sources of videos:
 * - a vPDQ hash file (`vpdq-hash-video` output, Meta's sample hashes): lines
 *   `frame,quality,pdqhex,timestamp`, one file = one video, its id the file name without `.txt`;
 * - a directory of such files, one video each;
 * - a python-threatexchange `vpdq` signal (pytx CSV `signal_str`): a JSON list of
 *   `"pdqhex,quality,timestamp"` strings (VpdqCompactFeature), or the older JSON object keyed
 *   by frame number, `{"0": {"quality": q, "hash": hex or {"w": [16 words]}, "timestamp": t}}`;
 * - tiphash CSV rows `vpdq,<pdqhex>,<category>,<video id>`: one frame a row, id required.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ListEntry } from '../core/match.js';
import { rejected, shown, type ListItem } from './format.js';
import { type Line, readLines } from './lines.js';

/** vPDQ's (and pytx's) frame quality threshold: frames below it never count in a match. */
export const VPDQ_MIN_QUALITY = 50;

export interface VpdqFrame {
  index: number;
  quality: number;
  pdq: string;
  ts: number;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** A vPDQ hash file line; detection looks for one. */
export const VPDQ_LINE = /^\s*\d+\s*,\s*\d+\s*,\s*[0-9a-fA-F]{64}\s*,\s*\d+(\.\d*)?\s*$/;

function frame(index: number, quality: number, rawHex: string, ts: number): VpdqFrame | string {
  const pdq = rawHex.trim().toLowerCase();
  if (!HEX64.test(pdq)) return `Expected a 64-hex-digit PDQ hash but found ${shown(rawHex)}`;
  if (!Number.isInteger(quality) || quality < 0 || quality > 100)
    return `Expected a quality from 0 to 100 but found ${quality}`;
  if (!Number.isFinite(ts) || ts < 0) return `Expected a timestamp in seconds but found ${ts}`;
  return { index, quality, pdq, ts };
}

/** `frame,quality,pdqhex,timestamp` → a frame, or why not. */
export function parseVpdqLine(text: string): VpdqFrame | string {
  const f = text.split(',');
  if (f.length !== 4)
    return `Expected "frame,quality,pdq,timestamp" but found ${f.length} field${f.length === 1 ? '' : 's'}`;
  const index = Number(f[0]);
  if (!Number.isInteger(index) || index < 0) return `Expected a frame number but found ${shown(f[0]!)}`;
  return frame(index, Number(f[1]), f[2]!, Number(f[3]));
}

/** Hex of a hash serialised as Hash256's 16 words (w[15] first, as PDQ prints it). */
function hexFromWords(w: unknown): string | null {
  if (!Array.isArray(w) || w.length !== 16 || !w.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff))
    return null;
  return (w as number[])
    .map((x) => x.toString(16).padStart(4, '0'))
    .reverse()
    .join('');
}

/** A pytx vpdq `signal_str` → its frames, or why it cannot be read. */
export function parseVpdqSignal(signal: string): VpdqFrame[] | string {
  let json: unknown;
  try {
    json = JSON.parse(signal.trim() === '' ? '[]' : signal);
  } catch {
    return 'Expected a vpdq signal (a JSON list of "pdq,quality,timestamp" strings) but it is not JSON';
  }
  const frames: VpdqFrame[] = [];
  if (Array.isArray(json)) {
    for (const [i, s] of json.entries()) {
      const parts = typeof s === 'string' ? s.split(',') : [];
      if (parts.length !== 3) return `Frame ${i} of the vpdq signal is not "pdq,quality,timestamp"`;
      const f = frame(i, Number(parts[1]), parts[0]!, Number(parts[2]));
      if (typeof f === 'string') return `Frame ${i} of the vpdq signal: ${f}`;
      frames.push(f);
    }
    return frames;
  }
  if (json === null || typeof json !== 'object') return 'Expected a vpdq signal: a JSON list or object of frames';
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const v = (value ?? {}) as { quality?: unknown; hash?: unknown; timestamp?: unknown };
    const hex = typeof v.hash === 'string' ? v.hash : hexFromWords((v.hash as { w?: unknown } | undefined)?.w);
    if (hex === null) return `Frame ${key} of the vpdq signal has no readable hash`;
    const f = frame(Number(key), Number(v.quality), hex, Number(v.timestamp));
    if (typeof f === 'string' || !Number.isInteger(f.index))
      return `Frame ${key} of the vpdq signal: ${typeof f === 'string' ? f : 'bad frame number'}`;
    frames.push(f);
  }
  return frames.sort((a, b) => a.index - b.index);
}

/**
 * One video's frames as list items: identical hashes once, then quality < 50 dropped (pytx's
 * order); a video left with no frame is one rejection.
 */
export function videoItems(
  frames: readonly VpdqFrame[],
  id: string,
  category: string | null,
  line: number,
): ListItem[] {
  const seen = new Set<string>();
  const items: ListItem[] = [];
  for (const f of frames) {
    if (seen.has(f.pdq)) continue;
    seen.add(f.pdq);
    if (f.quality < VPDQ_MIN_QUALITY) continue;
    const entry: ListEntry = {
      algorithm: 'vpdq',
      hash: f.pdq,
      category,
      id,
      line,
      frame: { index: f.index, ts: f.ts, quality: f.quality },
    };
    items.push({ kind: 'entry', entry });
  }
  if (items.length === 0) {
    return [
      rejected(line, `The video ${shown(id)} has no frame of quality ≥ ${VPDQ_MIN_QUALITY} (${frames.length} frames)`),
    ];
  }
  return items;
}

/** A stable id for a video that has none (a pytx row): derived from its frames. */
export function contentId(frames: readonly VpdqFrame[]): string {
  const h = createHash('sha256');
  for (const f of frames) h.update(f.pdq);
  return `vpdq-${h.digest('hex').slice(0, 16)}`;
}

/** The video id a vPDQ hash file stands for: its name without `.txt`. */
export function videoIdOf(name: string): string {
  return basename(name).replace(/\.txt$/i, '');
}

/** One vPDQ hash file (one video). Bad lines are rejected one by one; the rest make the video. */
export async function* parseVpdqFile(lines: AsyncIterable<readonly Line[]>, name: string): AsyncGenerator<ListItem> {
  const frames: VpdqFrame[] = [];
  let firstLine = 0;
  for await (const batch of lines) {
    for (const { n, text } of batch) {
      if (text.trim() === '' || text.trimStart().startsWith('#')) continue;
      const f = parseVpdqLine(text.trim());
      if (typeof f === 'string') yield rejected(n, f);
      else {
        firstLine ||= n;
        frames.push(f);
      }
    }
  }
  if (frames.length > 0) yield* videoItems(frames, videoIdOf(name), null, firstLine);
}

/** Every `*.txt` in a directory, in name order, each file one video. */
export async function* parseVpdqDirectory(dir: string): AsyncGenerator<ListItem> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isFile() && /\.txt$/i.test(d.name))
    .map((d) => d.name)
    .sort();
  for (const name of names) {
    for await (const item of parseVpdqFile(readLines(createReadStream(join(dir, name))), name)) {
      // Line numbers restart in every file: say which file a rejection is about.
      yield item.kind === 'entry' ? item : rejected(item.rejected.line, `${name}: ${item.rejected.reason}`);
    }
  }
}
