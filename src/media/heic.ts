/**
 * HEIC (HEVC-coded HEIF) decoding in a child process. sharp's prebuilt libvips has no HEVC
 * decoder, so we use a system tool when one is installed: libheif's `heif-dec` /
 * `heif-convert` (Debian: libheif-examples), else real ImageMagick with a HEIC delegate.
 * `convert` on PATH is not trusted by name: only a binary whose `-version` says ImageMagick
 * and lists heic counts.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AppError } from '../core/errors.js';

export interface HeicTool {
  kind: 'libheif' | 'imagemagick';
  command: string;
}

/** Finds a HEIC decoder, or null when none is installed. Injectable so tests control it. */
export type HeicDecoderLookup = () => Promise<HeicTool | null>;

export const HEIC_INSTALL_HINT =
  'HEIC needs a system decoder: install libheif-examples (apt-get install libheif-examples) or ImageMagick with HEIC support';

async function onPath(name: string, searchPath: string): Promise<string | null> {
  for (const dir of searchPath.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

function run(command: string, args: string[], timeoutMs: number, maxBuffer: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, maxBuffer, encoding: 'buffer', windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const { killed, signal, code } = err;
        reject(
          Object.assign(new Error(err.message, { cause: err }), {
            killed,
            signal,
            code,
            stderr: stderr.toString('utf8'),
          }),
        );
      },
    );
  });
}

async function isImageMagickWithHeic(command: string): Promise<boolean> {
  try {
    const out = (await run(command, ['-version'], 5000, 1 << 20)).toString('utf8');
    return /ImageMagick/.test(out) && /\bheic\b/i.test(out);
  } catch {
    return false;
  }
}

/** Searches `searchPath` (a PATH-style list) for a HEIC decoder, libheif's tools first. */
export async function lookupHeicDecoder(searchPath = process.env.PATH ?? ''): Promise<HeicTool | null> {
  for (const name of ['heif-dec', 'heif-convert']) {
    const command = await onPath(name, searchPath);
    if (command) return { kind: 'libheif', command };
  }
  for (const name of ['magick', 'convert']) {
    const command = await onPath(name, searchPath);
    if (command && (await isImageMagickWithHeic(command))) return { kind: 'imagemagick', command };
  }
  return null;
}

let cached: Promise<HeicTool | null> | undefined;

/** The installed decoder, looked up once per process. */
export const findHeicDecoder: HeicDecoderLookup = () => (cached ??= lookupHeicDecoder());

function failure(err: unknown, timeoutMs: number): AppError {
  const e = err as { killed?: boolean; signal?: string; code?: unknown; stderr?: string };
  if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return new AppError('corrupt_media', 'The HEIC decoder wrote more than its declared size allows', { cause: err });
  }
  if (e.killed || e.signal === 'SIGTERM') {
    return new AppError('decode_timeout', `The HEIC decoder did not finish within ${timeoutMs} ms`, { cause: err });
  }
  const detail =
    (e.stderr ?? '')
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? `exit code ${String(e.code)}`;
  return new AppError('corrupt_media', `The HEIC image could not be decoded: ${detail}`, { cause: err });
}

/**
 * Decodes HEIC bytes to PNG bytes with `tool`. The bytes go to a private temporary directory
 * (mode 0700, removed afterwards) because libheif's tools read and write files only.
 */
export async function decodeHeicToPng(
  bytes: Uint8Array,
  tool: HeicTool,
  timeoutMs: number,
  maxOutputBytes: number,
): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'tiphash-heic-'));
  try {
    const input = join(dir, 'input.heic');
    await writeFile(input, bytes, { mode: 0o600 });
    if (tool.kind === 'imagemagick') {
      return await run(tool.command, [`heic:${input}`, 'png:-'], timeoutMs, maxOutputBytes).catch((err: unknown) => {
        throw failure(err, timeoutMs);
      });
    }
    const output = join(dir, 'output.png');
    await run(tool.command, [input, output], timeoutMs, 1 << 20).catch((err: unknown) => {
      throw failure(err, timeoutMs);
    });
    // A file holding several images may be written as output-1.png, output-2.png…: take the first.
    const written = (await readdir(dir)).filter((f) => f.startsWith('output') && f.endsWith('.png')).sort();
    if (written.length === 0) throw new AppError('corrupt_media', 'The HEIC decoder wrote no image');
    return await readFile(join(dir, written[0]!));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
