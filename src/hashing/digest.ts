/**
 * md5, sha1 and sha256 of the file bytes, all three fed from one pass over the data. For a
 * path, the same read also yields the bytes the decoder gets, so nothing is read twice and the
 * digests describe exactly what was decoded.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Digests } from '../core/hash.js';
import { readMediaFile, streamMediaFile } from '../media/read.js';

class Digester {
  private readonly md5: Hash = createHash('md5');
  private readonly sha1: Hash = createHash('sha1');
  private readonly sha256: Hash = createHash('sha256');

  update(chunk: Uint8Array): void {
    this.md5.update(chunk);
    this.sha1.update(chunk);
    this.sha256.update(chunk);
  }

  digests(): Digests {
    return { md5: this.md5.digest('hex'), sha1: this.sha1.digest('hex'), sha256: this.sha256.digest('hex') };
  }
}

export function digestBuffer(bytes: Uint8Array): Digests {
  const d = new Digester();
  d.update(bytes);
  return d.digests();
}

/** Digests of a file, streamed without keeping it in memory (no size limit unless given). */
export async function digestFile(
  path: string,
  maxBytes = Number.MAX_SAFE_INTEGER,
): Promise<{ digests: Digests; size: number }> {
  const d = new Digester();
  const size = await streamMediaFile(path, maxBytes, (chunk) => d.update(chunk));
  return { digests: d.digests(), size };
}

/** One bounded read of a file: its bytes (for the decoder) and their digests. */
export async function readAndDigest(
  path: string,
  maxBytes: number,
): Promise<{ bytes: Buffer; digests: Digests; size: number }> {
  const d = new Digester();
  const bytes = await readMediaFile(path, maxBytes, (chunk) => d.update(chunk));
  return { bytes, digests: d.digests(), size: bytes.length };
}
