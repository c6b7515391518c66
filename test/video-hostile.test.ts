/**
 * Hostile and broken video input: every case fails with a clear catalogue code, the process
 * carries on, and no ffmpeg/ffprobe child outlives the call. ffmpeg gets no network: the input
 * is a local path or a pipe, one demuxer is forced and whitelisted, so playlists and concat
 * lists (which name other files or URLs) are never followed.
 */
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../src/core/errors.js';
import { hashVideo, type HashVideoOptions } from '../src/hashing/video/index.js';
import { decodeFrames } from '../src/media/video-frames.js';
import { ffmpegSource, sniffVideo } from '../src/media/video-input.js';
import { threatexchange } from './shared.js';
import { childProcesses, ffmpegMake, sampleVideo } from './video-support.js';

let dir: string;
let server: Server;
let requests = 0;
let url: string;
const chair = sampleVideo('chair-19-sd-bar');

async function code(input: Parameters<typeof hashVideo>[0], opts: HashVideoOptions = {}): Promise<string> {
  try {
    await hashVideo(input, opts);
  } catch (err) {
    if (isAppError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('Expected hashVideo to fail');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tiphash-hostile-'));
  server = createServer((_req, res) => {
    requests++;
    res.end('#EXTM3U\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // ffmpeg's MP4 muxer writes the index (moov) after the media unless asked for faststart.
  ffmpegMake(['-t', '2', '-i', chair, '-c', 'copy', join(dir, 'moov-last.mp4')]);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  expect(childProcesses()).toEqual([]);
});

describe('broken and mislabelled files', () => {
  it('refuses a zero-length file', async () => {
    await writeFile(join(dir, 'empty.mp4'), '');
    expect(await code({ path: join(dir, 'empty.mp4') })).toMatch(/^empty_file/);
    expect(await code({ bytes: new Uint8Array(0) })).toMatch(/^empty_file/);
  });

  it('fails a truncated MP4 (its first 30%) as corrupt', async () => {
    const bytes = await readFile(chair);
    await writeFile(join(dir, 'cut.mp4'), bytes.subarray(0, Math.floor(bytes.length * 0.3)));
    expect(await code({ path: join(dir, 'cut.mp4') }, { mode: 'every' })).toMatch(
      /^corrupt_media: The video is truncated or damaged/,
    );
  });

  it('fails an MP4 cut before its index (moov at the end) as corrupt', async () => {
    const bytes = await readFile(join(dir, 'moov-last.mp4'));
    await writeFile(join(dir, 'cut2.mp4'), bytes.subarray(0, Math.floor(bytes.length * 0.3)));
    expect(await code({ path: join(dir, 'cut2.mp4') })).toMatch(/^corrupt_media: .*moov atom not found/);
  });

  it('refuses a text file named .mp4 and an image renamed .mp4', async () => {
    await writeFile(join(dir, 'notes.mp4'), 'This is not a video, whatever its name says.\n');
    expect(await code({ path: join(dir, 'notes.mp4') })).toMatch(
      /^unsupported_type: The content is text\/plain, not a video/,
    );
    await copyFile(threatexchange('pdq/data/bridge-mods/aaa-orig.jpg'), join(dir, 'photo.mp4'));
    expect(await code({ path: join(dir, 'photo.mp4') })).toMatch(
      /^unsupported_type: The content is a still image \(image\/jpeg\)/,
    );
  });

  it('fails garbage behind an MP4 signature as corrupt', async () => {
    const junk = Buffer.concat([Buffer.from('00000018667479706d703432', 'hex'), Buffer.alloc(4096, 0x5a)]);
    expect(await code({ bytes: junk })).toMatch(/^corrupt_media/);
  });
});

describe('limits', () => {
  it('refuses a video over the duration limit before decoding it', async () => {
    expect(await code({ path: chair }, { limits: { maxSeconds: 10 } })).toBe(
      'video_too_long: The video lasts 19 s, over the limit of 10 s',
    );
  });

  it('refuses a video over the frame limit', async () => {
    expect(await code({ path: chair }, { limits: { maxFrames: 100 } })).toBe(
      'too_many_frames: The video has 564 frames, over the limit of 100',
    );
  });

  it('stops mid-decode when a file declares no duration (a piped Matroska)', async () => {
    const mkv = join(dir, 'no-duration.mkv');
    // Written to a pipe, Matroska gets no duration or frame count in its header.
    await writeFile(
      mkv,
      execFileSync('ffmpeg', ['-v', 'error', '-t', '4', '-i', chair, '-c', 'copy', '-an', '-f', 'matroska', 'pipe:1'], {
        maxBuffer: 1 << 26,
      }),
    );
    expect(await code({ path: mkv }, { mode: 'every', limits: { maxFrames: 50 } })).toMatch(
      /^too_many_frames: The video has more than 50 frames/,
    );
    expect(await code({ path: mkv }, { limits: { maxSeconds: 2 } })).toMatch(
      /^video_too_long: The video runs past the limit of 2 s/,
    );
  });

  it('stops at the wall-time limit', async () => {
    expect(await code({ path: chair }, { mode: 'every', limits: { timeoutSeconds: 0.3 } })).toBe(
      'decode_timeout: Decoding the video did not finish within 0.3 s',
    );
  });

  it('refuses frames over the pixel limit', async () => {
    expect(await code({ path: chair }, { limits: { maxPixels: 100_000 } })).toMatch(/^too_many_pixels: .*480x720/);
  });

  it('stops when the caller aborts', async () => {
    const ac = new AbortController();
    const run = hashVideo({ path: chair }, { mode: 'every', signal: ac.signal });
    setTimeout(() => ac.abort(new Error('drain')), 200);
    await expect(run).rejects.toThrow('drain');
  });

  it('says ffmpeg_missing when ffmpeg cannot be found, and images are unaffected', async () => {
    expect(await code({ path: chair }, { ffmpegPath: join(dir, 'no-such-ffmpeg') })).toMatch(
      /^ffmpeg_missing: ffprobe was not found/,
    );
    expect(await code({ path: chair }, { ffprobePath: join(dir, 'no-such-ffprobe') })).toMatch(/^ffmpeg_missing/);
    expect(await code({ path: chair }, { ffmpegPath: join(dir, 'no-such-ffmpeg'), ffprobePath: 'ffprobe' })).toMatch(
      /^ffmpeg_missing: ffmpeg was not found/,
    );
  });
});

describe('no network, no other files', () => {
  it('refuses an HLS playlist naming a URL and a local video, and nothing is fetched', async () => {
    const m3u8 = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:10',
      '#EXTINF:10,',
      `${url}/a.ts`,
      '#EXTINF:10,',
      chair,
      '#EXT-X-ENDLIST',
      '',
    ].join('\n');
    await writeFile(join(dir, 'list.m3u8'), m3u8);
    await writeFile(join(dir, 'list.mp4'), m3u8);
    expect(await code({ path: join(dir, 'list.m3u8') })).toMatch(/^unsupported_type/);
    expect(await code({ path: join(dir, 'list.mp4') })).toMatch(/^unsupported_type/);
    expect(requests).toBe(0);
  });

  it('refuses an ffconcat list naming a local video', async () => {
    await writeFile(join(dir, 'list.ffconcat'), `ffconcat version 1.0\nfile '${chair}'\nfile '${url}/b.mp4'\n`);
    expect(await code({ path: join(dir, 'list.ffconcat') })).toMatch(/^unsupported_type/);
    expect(requests).toBe(0);
  });

  it('makes ffmpeg itself refuse a playlist even if it got past the sniffing', async () => {
    const playlist = join(dir, 'list.m3u8');
    const source = await ffmpegSource({ path: playlist }, sniffVideo(await readFile(chair)));
    const opts = {
      ffmpegPath: 'ffmpeg',
      select: { kind: 'all' } as const,
      pixels: 'gray' as const,
      width: 480,
      height: 720,
    };
    const run = decodeFrames(
      source,
      'mov',
      { ...opts, exactCpu: false, threads: 1, deadline: Date.now() + 10_000, timeoutSeconds: 10 },
      () => {
        throw new Error('no frame expected');
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'corrupt_media' });
    expect(requests).toBe(0);
  });
});

describe('input as bytes', () => {
  it('pipes a streamable MP4 and hashes it as from its path', async () => {
    const fromPath = await hashVideo({ path: chair }, { bars: false });
    const fromBytes = await hashVideo({ bytes: await readFile(chair) }, { bars: false });
    expect(fromBytes.frames).toEqual(fromPath.frames);
    expect(fromBytes.digests).toEqual(fromPath.digests);
  });

  it('writes an MP4 with its index at the end to a private temporary file, and removes it', async () => {
    const tail = join(dir, 'moov-last.mp4');
    const temp = await mkdtemp(join(tmpdir(), 'tiphash-temp-'));
    const fromPath = await hashVideo({ path: tail }, { bars: false });
    const fromBytes = await hashVideo({ bytes: await readFile(tail) }, { bars: false, tempDir: temp });
    expect(fromBytes.frames).toEqual(fromPath.frames);
    expect(await readdir(temp)).toEqual([]);
    await rm(temp, { recursive: true });
  });

  it('still hashes a good video after all of the above', async () => {
    const r = await hashVideo({ path: sampleVideo('doorknob-hd-no-bar') });
    expect(r.frames.map((f) => f.frame)).toEqual([0, 30, 60, 90]);
  });
});
