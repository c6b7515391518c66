import { describe, expect, it } from 'vitest';
import { classify, ffmpegSource, inputArgs, moovFirst, sniffVideo } from './video-input.js';

function box(type: string, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(size, 0);
  b.write(type, 4, 'latin1');
  return b;
}

describe('video input', () => {
  it('forces one demuxer per container and refuses everything else clearly', () => {
    expect(classify('video/mp4')).toEqual({ kind: 'video', mediaType: 'video/mp4', demuxer: 'mov' });
    expect(classify('video/webm')).toMatchObject({ demuxer: 'matroska' });
    expect(classify('video/x-msvideo')).toMatchObject({ demuxer: 'avi' });
    expect(classify('image/gif')).toEqual({ kind: 'animated', mediaType: 'image/gif' });
    expect(() => classify('image/png')).toThrow(/still image \(image\/png\)/);
    expect(() => classify('text/plain')).toThrow(/text\/plain, not a video/);
    expect(() => classify(null)).toThrow(/not a recognised video container/);
  });

  it('sniffs by content', () => {
    const mp4 = Buffer.concat([box('ftyp', 24), box('moov', 16)]);
    mp4.write('isom', 8, 'latin1');
    expect(sniffVideo(mp4)).toMatchObject({ mediaType: 'video/mp4' });
  });

  it('tells whether an MP4 can be read from a pipe (moov before mdat)', () => {
    expect(moovFirst(Buffer.concat([box('ftyp', 24), box('moov', 16), box('mdat', 16)]))).toBe(true);
    expect(moovFirst(Buffer.concat([box('ftyp', 24), box('mdat', 16), box('moov', 16)]))).toBe(false);
    expect(moovFirst(Buffer.concat([box('ftyp', 24), box('free', 4)]))).toBe(false);
  });

  it('reads from a path or a pipe only, with protocol and format whitelists', async () => {
    const mp4 = sniffVideo(Buffer.concat([box('ftyp', 24), box('moov', 16)]));
    const file = await ffmpegSource({ path: 'rel/clip.mp4' }, mp4);
    expect(file.url).toMatch(/^file:\/.*\/rel\/clip\.mp4$/);
    expect(inputArgs(file, 'mov')).toEqual(['-protocol_whitelist', 'file', '-format_whitelist', 'mov', '-f', 'mov']);
    const pipe = await ffmpegSource({ bytes: Buffer.concat([box('ftyp', 24), box('moov', 16)]) }, mp4);
    expect([pipe.url, pipe.protocols]).toEqual(['pipe:0', 'pipe']);
  });
});
