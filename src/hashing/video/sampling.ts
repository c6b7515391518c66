/**
 * Which frames vPDQ hashes and how it stamps them (VPDQ_NOTES "Sampling"): a decoded frame is
 * hashed iff its 0-based decode index is a multiple of trunc(secondsPerHash × fps) (0 → every
 * frame); its timestamp is index / fps, printed to the millisecond. On 29.97 fps a 1 s step is
 * every 29th frame: the reference drifts, and so do we.
 */
import { hexToBytes } from '../../core/algorithms.js';

export type VideoMode = 'every' | 'fps1' | 'keyframes';
export const VIDEO_MODES: readonly VideoMode[] = ['every', 'fps1', 'keyframes'];

export interface VideoFrameHash {
  /** 0-based decode index of the frame. */
  frame: number;
  /** Seconds from the start, to the millisecond. */
  ts: number;
  pdq: string;
  quality: number;
}

export function frameStep(fps: number, secondsPerHash: number): number {
  return Math.max(1, Math.trunc(secondsPerHash * fps));
}

export function frameTime(frame: number, fps: number): number {
  return Math.round((frame / fps) * 1000) / 1000;
}

function hamming(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]! ^ b[i]!;
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}

/**
 * vPDQ's README option, not in its reference hasher: drop each frame within `bits` of the
 * last frame kept (consecutive near-duplicates, e.g. a still scene), keeping the first.
 */
export function pruneFrames(frames: readonly VideoFrameHash[], bits: number): VideoFrameHash[] {
  const kept: VideoFrameHash[] = [];
  let last: Uint8Array | null = null;
  for (const f of frames) {
    const h = hexToBytes(f.pdq);
    if (last !== null && hamming(h, last) <= bits) continue;
    kept.push(f);
    last = h;
  }
  return kept;
}
