import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { threatexchange } from '../../test/shared.js';
import type { ListEntry } from '../core/match.js';
import { loadListFile, openList } from './read.js';
import { parseVpdqSignal } from './vpdq.js';

const tmp = mkdtempSync(join(tmpdir(), 'tiphash-vpdq-lists-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const A = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const B = '30a10efd71cc3d429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af';
const C = 'e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c';

async function read(text: string, format?: 'pytx-csv' | 'tiphash-csv' | 'plain' | 'vpdq') {
  const list = await openList(Readable.from([Buffer.from(text)]), { name: 'clip.txt', ...(format ? { format } : {}) });
  const entries: ListEntry[] = [];
  const rejected: string[] = [];
  for await (const item of list.items) {
    if (item.kind === 'entry') entries.push(item.entry);
    else rejected.push(`${item.rejected.line}: ${item.rejected.reason}`);
  }
  return { format: list.format, entries, rejected };
}

describe('vPDQ hash files', () => {
  it("loads Meta's sample hash file as one video: distinct frames of quality ≥ 50", async () => {
    const list = await loadListFile(threatexchange('vpdq/sample-hashes/doorknob-hd-no-bar.txt'));
    expect(list.format).toBe('vpdq');
    expect(new Set(list.entries.map((e) => e.id))).toEqual(new Set(['doorknob-hd-no-bar']));
    expect(list.entries.every((e) => e.algorithm === 'vpdq' && e.frame!.quality >= 50)).toBe(true);
    expect(new Set(list.entries.map((e) => e.hash)).size).toBe(list.entries.length);
    expect(list.entries.length).toBeGreaterThan(50);
    expect(list.entries.length).toBeLessThan(120); // fades to black have quality 0
    expect(list.entries[0]).toMatchObject({ line: 1, frame: { index: 0, ts: 0 } });
  });

  it('rejects bad lines one by one and a video with no usable frame as a whole', async () => {
    const r = await read(`0,100,${A},0.000\n1,100,${A},0.033\n2,100,zz,0.067\n3,20,${B},0.100\n`);
    expect(r.format).toBe('vpdq');
    expect(r.entries.map((e) => [e.id, e.hash])).toEqual([['clip', A]]);
    expect(r.rejected).toEqual(['3: Expected a 64-hex-digit PDQ hash but found "zz"']);
    const none = await read(`0,10,${A},0.000\n`, 'vpdq').catch((e: Error) => e.message);
    expect(none).toMatch(/has no valid entry .*"clip" has no frame of quality ≥ 50/);
  });

  it('reads a directory of hash files, one video each, naming the file in rejections', async () => {
    const dir = mkdtempSync(join(tmp, 'dir-'));
    copyFileSync(threatexchange('vpdq/sample-hashes/pattern-sd-grey-bar.txt'), join(dir, 'pattern.txt'));
    writeFileSync(join(dir, 'small.txt'), `0,100,${C},0.000\nnot a line\n`);
    writeFileSync(join(dir, 'README.md'), 'ignored');
    const list = await loadListFile(dir);
    expect(list.format).toBe('vpdq');
    expect([...new Set(list.entries.map((e) => e.id))]).toEqual(['pattern', 'small']);
    expect(list.rejected).toEqual([
      { line: 2, reason: 'small.txt: Expected "frame,quality,pdq,timestamp" but found 1 field' },
    ]);
  });
});

describe('python-threatexchange vpdq signals', () => {
  it('reads the current form: a JSON list of "pdq,quality,timestamp" strings', async () => {
    const signal = JSON.stringify([`${A},100,0.0`, `${B},90,1.0`, `${A},100,2.0`, `${C},12,3.0`]);
    const csv = `signal_type,signal_str,collab,category,tags\nvpdq,"${signal.replaceAll('"', '""')}",c,TRUE_POSITIVE,\n`;
    const r = await read(csv);
    expect(r.format).toBe('pytx-csv');
    expect(r.entries.map((e) => [e.hash, e.frame?.ts, e.category, e.line])).toEqual([
      [A, 0, 'TRUE_POSITIVE', 2],
      [B, 1, 'TRUE_POSITIVE', 2],
    ]);
    // No id in a pytx row: one derived from the frames, the same for both.
    expect(r.entries[0]!.id).toMatch(/^vpdq-[0-9a-f]{16}$/);
    expect(r.entries[1]!.id).toBe(r.entries[0]!.id);
  });

  it('reads the older form keyed by frame number, with hex or 16-word hashes', () => {
    const words = Array.from({ length: 16 }, (_, i) => parseInt(A.slice(60 - 4 * i, 64 - 4 * i), 16));
    const legacy = JSON.stringify({
      '30': { quality: 90, hash: { w: words }, timestamp: 1 },
      '0': { quality: 100, hash: B, timestamp: 0 },
    });
    expect(parseVpdqSignal(legacy)).toEqual([
      { index: 0, quality: 100, pdq: B, ts: 0 },
      { index: 30, quality: 90, pdq: A, ts: 1 },
    ]);
  });

  it('rejects what is not a vpdq signal', () => {
    expect(parseVpdqSignal('[1, 2')).toMatch(/not JSON/);
    expect(parseVpdqSignal(JSON.stringify([`${A},101,0`]))).toMatch(/quality from 0 to 100/);
    expect(parseVpdqSignal('"x"')).toMatch(/a JSON list or object/);
  });
});

describe('vpdq rows in the other formats', () => {
  it('takes tiphash CSV rows as frames of the video named by id, and refuses rows without one', async () => {
    const r = await read(`algorithm,hash,id\nvpdq,${A},v1\nvpdq,${B},v1\nvpdq,${C},\n`);
    expect(r.entries.map((e) => [e.id, e.hash])).toEqual([
      ['v1', A],
      ['v1', B],
    ]);
    expect(r.rejected).toEqual([expect.stringMatching(/^4: A vpdq row is one frame of a video: it needs an id/)]);
  });

  it('refuses vpdq in plain lines (they carry no video id)', async () => {
    const r = await read(`pdq ${A}\nvpdq ${A}\n`, 'plain');
    expect(r.entries.map((e) => e.algorithm)).toEqual(['pdq']);
    expect(r.rejected[0]).toMatch(/needs an id/);
  });
});
