import { describe, expect, it } from 'vitest';
import { parseRate, readProbe } from './video-probe.js';

describe('readProbe', () => {
  const stream = {
    codec_name: 'h264',
    width: 480,
    height: 720,
    pix_fmt: 'yuv420p',
    avg_frame_rate: '30000/1001',
    r_frame_rate: '30/1',
    nb_frames: '600',
    duration: '20.02',
    start_time: '0.000',
  };

  it('reads size, rate, duration and frame count', () => {
    expect(readProbe({ streams: [stream] })).toEqual({
      codec: 'h264',
      width: 480,
      height: 720,
      pixFmt: 'yuv420p',
      fps: 30000 / 1001,
      durationSec: 20.02,
      frameCount: 600,
      startSec: 0,
    });
  });

  it("falls back to r_frame_rate and the container's duration, as vPDQ does", () => {
    const p = readProbe({
      streams: [{ ...stream, avg_frame_rate: '0/0', duration: 'N/A', nb_frames: undefined }],
      format: { duration: '7.5' },
    });
    expect([p.fps, p.durationSec, p.frameCount]).toEqual([30, 7.5, null]);
  });

  it('refuses a file with no video stream, no size or no rate', () => {
    expect(() => readProbe({ streams: [] })).toThrow(/no video stream/);
    expect(() => readProbe({ streams: [{ ...stream, width: 0 }] })).toThrow(/no usable frame size/);
    expect(() => readProbe({ streams: [{ ...stream, avg_frame_rate: '0/0', r_frame_rate: '0/0' }] })).toThrow(
      /no frame rate/,
    );
  });

  it('parses rates', () => {
    expect(parseRate('25/1')).toBe(25);
    expect(parseRate('0/0')).toBe(0);
    expect(parseRate(undefined)).toBe(0);
    expect(parseRate('24')).toBe(24);
  });
});
