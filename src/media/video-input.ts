/**
 * What ffmpeg is given to read, and how it may read it. The container is told by magic bytes
 * (never the file name) and ffmpeg is forced to that one demuxer with a format whitelist and a
 * protocol whitelist, so a playlist (HLS .m3u8), a concat script or any other file that points
 * elsewhere is refused before a decoder sees it, and no URL is ever opened: local file or pipe
 * only, nothing from the network.
 *
 * A path is read by ffmpeg itself (`file:` + absolute path). Bytes go through stdin when the
 * container can be read front to back: MP4/QuickTime with the index (`moov`) before the media
 * (`mdat`), Matroska/WebM, AVI. An MP4 with `moov` at the end needs seeking, which a pipe cannot
 * do; its bytes are written to a private temporary file (0600 in a fresh 0700 directory,
 * removed afterwards) in `tempDir`.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppError } from '../core/errors.js';
import { emptyFile, unreadable } from './read.js';
import { isImageType, isVideoType, type MediaType, SNIFF_BYTES, sniffType, type VideoMediaType } from './sniff.js';

export type VideoInput = { path: string } | { bytes: Uint8Array };

/** Containers decoded by ffmpeg, and the one demuxer each may use. */
const DEMUXERS: Record<VideoMediaType, string> = {
  'video/mp4': 'mov',
  'video/quicktime': 'mov',
  'video/webm': 'matroska',
  'video/x-matroska': 'matroska',
  'video/x-msvideo': 'avi',
};

/** Animated pictures, decoded frame by frame with sharp rather than ffmpeg. */
export type AnimatedMediaType = 'image/gif' | 'image/webp';

export type Sniffed =
  { kind: 'video'; mediaType: VideoMediaType; demuxer: string } | { kind: 'animated'; mediaType: AnimatedMediaType };

/** Why a sniffed type is not a video, or the video kind. */
export function classify(type: MediaType | null): Sniffed {
  if (isVideoType(type)) return { kind: 'video', mediaType: type, demuxer: DEMUXERS[type] };
  if (type === 'image/gif' || type === 'image/webp') return { kind: 'animated', mediaType: type };
  if (isImageType(type)) {
    throw new AppError('unsupported_type', `The content is a still image (${type}), not a video: hash it as an image`);
  }
  const what = type === null ? 'not a recognised video container' : `${type}, not a video`;
  throw new AppError(
    'unsupported_type',
    `The content is ${what} (checked by its first bytes, not its name; playlists and concat lists are refused)`,
  );
}

/** The first bytes of the input, for sniffing. */
export async function readHead(input: VideoInput): Promise<Uint8Array> {
  if ('bytes' in input) {
    if (input.bytes.length === 0) throw emptyFile();
    return input.bytes.subarray(0, SNIFF_BYTES);
  }
  let handle;
  try {
    handle = await open(input.path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile())
      throw Object.assign(new Error('not a regular file'), { code: stat.isDirectory() ? 'EISDIR' : 'ENOTREG' });
    if (stat.size === 0) throw emptyFile();
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, stat.size));
    await handle.read(head, 0, head.length, 0);
    return head;
  } catch (err) {
    throw err instanceof AppError ? err : unreadable(err);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export function sniffVideo(head: Uint8Array): Sniffed {
  return classify(sniffType(head));
}

/**
 * True when an ISO BMFF (MP4/QuickTime) buffer has its `moov` box before its `mdat` box, i.e.
 * it can be demuxed from a pipe. Walks top-level box headers only.
 */
export function moovFirst(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  while (p + 8 <= bytes.length) {
    let size = view.getUint32(p);
    const type = String.fromCharCode(bytes[p + 4]!, bytes[p + 5]!, bytes[p + 6]!, bytes[p + 7]!);
    if (type === 'moov') return true;
    if (type === 'mdat') return false;
    if (size === 1) {
      if (p + 16 > bytes.length) return false;
      size = Number(view.getBigUint64(p + 8));
    }
    if (size < 8) return false; // size 0 means "to the end": no moov follows
    p += size;
  }
  return false;
}

/** Where ffmpeg reads the input from, and how to clean up afterwards. */
export interface FfmpegSource {
  /** `file:/abs/path` or `pipe:0`. */
  url: string;
  /** The bytes to write to stdin (for `pipe:0`), once per process. */
  stdin?: Uint8Array;
  protocols: 'file' | 'pipe';
  release(): Promise<void>;
}

export async function ffmpegSource(input: VideoInput, sniffed: Sniffed, tempDir = tmpdir()): Promise<FfmpegSource> {
  if ('path' in input)
    return { url: `file:${resolve(input.path)}`, protocols: 'file', release: () => Promise.resolve() };
  const seekable = sniffed.kind === 'video' && sniffed.demuxer === 'mov' && !moovFirst(input.bytes);
  if (!seekable) return { url: 'pipe:0', stdin: input.bytes, protocols: 'pipe', release: () => Promise.resolve() };
  const dir = await mkdtemp(join(tempDir, 'tiphash-video-'));
  const path = join(dir, 'input');
  try {
    await writeFile(path, input.bytes, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new AppError('internal', 'Could not write the video to a private temporary file', {
      cause: err,
      permanent: false,
    });
  }
  return {
    url: `file:${path}`,
    protocols: 'file',
    release: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Arguments that pin how ffmpeg/ffprobe open the input: one demuxer, local reads only. */
export function inputArgs(source: FfmpegSource, demuxer: string): string[] {
  return ['-protocol_whitelist', source.protocols, '-format_whitelist', demuxer, '-f', demuxer];
}
