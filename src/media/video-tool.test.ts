import { describe, expect, it } from 'vitest';
import { runTool, toolError } from './video-tool.js';

const opts = (over = {}) => ({ deadline: Date.now() + 5000, timeoutSeconds: 5, name: 'tool', ...over });

describe('runTool', () => {
  it('streams stdout, feeds stdin and reports the exit', async () => {
    const { result, exit } = await runTool('cat', [], opts({ stdin: Buffer.from('hello') }), async (out) => {
      let s = '';
      for await (const c of out) s += c.toString();
      return s;
    });
    expect(result).toBe('hello');
    expect(exit.code).toBe(0);
  });

  it('kills at the deadline', async () => {
    const run = runTool('sleep', ['5'], opts({ deadline: Date.now() + 100, timeoutSeconds: 0.1 }), () =>
      Promise.resolve(),
    );
    await expect(run).rejects.toMatchObject({ code: 'decode_timeout' });
  });

  it('kills and reaps when the consumer stops early', async () => {
    const run = runTool('yes', [], opts(), async (out) => {
      for await (const chunk of out) if (chunk.length > 0) throw new Error('enough');
    });
    await expect(run).rejects.toThrow('enough');
  });

  it('says which tool is missing', async () => {
    const run = runTool('/nonexistent/ffmpeg', [], opts({ name: 'ffmpeg' }), () => Promise.resolve());
    await expect(run).rejects.toMatchObject({ code: 'ffmpeg_missing' });
    await expect(run).rejects.toThrow(/^ffmpeg was not found/);
  });
});

describe('toolError', () => {
  it('picks the first error line and hides the input name', () => {
    const stderr =
      '[mov,mp4 @ 0x55d1] [warning] odd\n[mov,mp4 @ 0x55d1] [error] moov atom not found\nfile:/tmp/x.mp4: [error] Invalid data found\n';
    expect(toolError(stderr, 'file:/tmp/x.mp4')).toBe('moov atom not found');
    expect(toolError('', 'x')).toBe('no message');
  });
});
