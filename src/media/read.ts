/**
 * Reading a media file once, bounded, with a hook that sees every chunk (the digests), so the
 * bytes hashed and the bytes decoded are the same bytes. File-system failures become
 * `unreadable`, size problems `empty_file` / `too_large`.
 */
import { open, stat as statPath } from 'node:fs/promises';
import { AppError } from '../core/errors.js';

const READ_CHUNK = 1 << 20;

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
  EIO: 'an input/output error',
  ENOTREG: 'it is not a regular file',
};

/** An fs error as `unreadable` (the message names the reason, never the contents). */
export function unreadable(err: unknown): AppError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
  const permanent = code !== 'EMFILE' && code !== 'EIO';
  return new AppError('unreadable', `Cannot read the file: ${FS_REASONS[code] ?? 'read failed'} (${code})`, {
    cause: err,
    permanent,
  });
}

export function tooLarge(size: number, maxBytes: number): AppError {
  return new AppError('too_large', `The file is ${size} bytes, over the limit of ${maxBytes} bytes`);
}

export function emptyFile(): AppError {
  return new AppError('empty_file', 'The file is empty (0 bytes)');
}

/**
 * Streams a regular file (at most maxBytes) through onChunk, in order, and returns its size.
 * The size can change while we read: we read until EOF but never past the limit.
 */
export async function streamMediaFile(
  path: string,
  maxBytes: number,
  onChunk: (chunk: Buffer) => void,
): Promise<number> {
  let handle;
  try {
    // Refuse directories, FIFOs and devices before open() could block on them.
    const pre = await statPath(path);
    if (pre.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!pre.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    handle = await open(path, 'r');
  } catch (err) {
    throw unreadable(err);
  }
  try {
    const stat = await handle.stat().catch((err: unknown) => {
      throw unreadable(err);
    });
    if (stat.size > maxBytes) throw tooLarge(stat.size, maxBytes);
    let total = 0;
    for (;;) {
      // Sized from the stat, so a small file costs one read plus one empty read.
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(1, stat.size - total + 1), maxBytes + 1 - total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null).catch((err: unknown) => {
        throw unreadable(err);
      });
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(total, maxBytes);
      onChunk(buf.subarray(0, bytesRead));
    }
    if (total === 0) throw emptyFile();
    return total;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Reads a whole regular file (at most maxBytes), passing each chunk to onChunk as it arrives. */
export async function readMediaFile(
  path: string,
  maxBytes: number,
  onChunk?: (chunk: Buffer) => void,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const total = await streamMediaFile(path, maxBytes, (chunk) => {
    onChunk?.(chunk);
    chunks.push(chunk);
  });
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
