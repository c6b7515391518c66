import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { ListEntry, RejectedLine } from '../core/match.js';
import { repoRoot } from '../../test/shared.js';
import { loadListFile, MAX_KEPT_REJECTIONS, openList, type ReadListOptions } from './read.js';
import type { ListFormat } from './format.js';

const fixture = (name: string): string => join(repoRoot, 'fixtures/lists', name);
const tmp = mkdtempSync(join(tmpdir(), 'tiphash-lists-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const MD5 = 'd35c785545392755e7e4164457657269';
const SHA1 = 'ea45d7166b30f98aac6af52f952193ce3083cb4c';
const BOM = '\uFEFF';

interface Result {
  format: ListFormat;
  entries: ListEntry[];
  rejected: RejectedLine[];
}

/** Reads text through the streaming API in 7-byte chunks, so lines straddle chunk boundaries. */
async function read(content: string | Buffer, opts: ReadListOptions = {}): Promise<Result> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
  const list = await openList(Readable.from(chunks), { name: 'test', ...opts });
  const result: Result = { format: list.format, entries: [], rejected: [] };
  for await (const item of list.items) {
    if (item.kind === 'entry') result.entries.push(item.entry);
    else result.rejected.push(item.rejected);
  }
  return result;
}

const entry = (
  algorithm: string,
  hash: string,
  line: number,
  category: string | null = null,
  id: string | null = null,
) => ({
  algorithm,
  hash,
  category,
  id,
  line,
});

describe('tiphash CSV', () => {
  it('loads the fixture: lowercase hex, quoted category, empty category and id as null', async () => {
    const list = await loadListFile(fixture('bridge.tiphash.csv'));
    expect(list.format).toBe('tiphash-csv');
    expect(list.name).toBe('bridge.tiphash.csv');
    expect(list.rejected).toEqual([]);
    expect(list.entries).toHaveLength(6);
    expect(list.entries[0]).toEqual(entry('pdq', PDQ, 2, 'demo-bridge', 'bridge-orig-pdq'));
    expect(list.entries[4]?.category).toBe('demo-bridge, edited');
    expect(list.entries[5]).toEqual(entry('md5', '552d2d428fe0ff59d3458370a9712573', 7));
  });

  it('takes the column order from the header, and reads BOM + CRLF files the same', async () => {
    const body = `${MD5.toUpperCase()},e1,MD5\r\n${PDQ},,pdq\r\n`;
    for (const text of [`hash,id,algorithm\n${body}`, `${BOM}Hash, ID ,Algorithm\r\n${body}`]) {
      const { format, entries, rejected } = await read(text);
      expect(format).toBe('tiphash-csv');
      expect(rejected).toEqual([]);
      expect(entries).toEqual([entry('md5', MD5, 2, null, 'e1'), entry('pdq', PDQ, 3)]);
    }
  });

  it('rejects broken lines with their number and reason, and loads the rest', async () => {
    const text = [
      'algorithm,hash,category,id',
      `md5,${MD5},a,1`,
      `md5,${MD5.slice(0, 31)}g,a,2`, // bad hex
      `md5,${MD5}00,a,3`, // wrong length
      `whirlpool,${MD5},a,4`, // unknown algorithm
      `md5,${MD5}`, // missing columns
      `md5,${MD5},a,5,extra`,
      `md5,"${MD5},a,6`, // unclosed quote
      '',
      `sha1,${SHA1},b,7`,
    ].join('\n');
    const { entries, rejected } = await read(text);
    expect(entries).toEqual([entry('md5', MD5, 2, 'a', '1'), entry('sha1', SHA1, 10, 'b', '7')]);
    expect(rejected).toEqual([
      { line: 3, reason: 'Expected only hex digits for a md5 hash' },
      { line: 4, reason: 'Expected 32 hex digits for a md5 hash but received 34' },
      { line: 5, reason: expect.stringMatching(/^Unknown algorithm "whirlpool"; expected one of md5, sha1/) as string },
      { line: 6, reason: 'Expected 4 fields as in the header but found 2' },
      { line: 7, reason: 'Expected 4 fields as in the header but found 5' },
      { line: 8, reason: 'A quoted field is not closed on this line' },
    ]);
  });

  it('refuses a wrong header as a whole', async () => {
    await expect(read('algorithm,hash,catgory,id\nmd5,x,,\n', { format: 'tiphash-csv' })).rejects.toMatchObject({
      code: 'list_invalid',
      message: expect.stringContaining('the header has the column "catgory"') as string,
    });
    await expect(read(`algorithm,category\nmd5,x\n`, { format: 'tiphash-csv' })).rejects.toMatchObject({
      code: 'list_invalid',
      message: expect.stringContaining('lacks hash') as string,
    });
    await expect(read(`hash,hash,algorithm\n`, { format: 'tiphash-csv' })).rejects.toMatchObject({
      code: 'list_invalid',
    });
    // Without a header the file is not recognised at all.
    await expect(read(`md5,${MD5},,\n`)).rejects.toMatchObject({ code: 'list_invalid' });
  });
});

describe('python-threatexchange CSV', () => {
  it('loads the fixture, mapping signal types and rejecting those tiphash cannot match', async () => {
    const list = await loadListFile(fixture('bridge.pytx.csv'));
    expect(list.format).toBe('pytx-csv');
    expect(list.entries).toEqual([
      entry('pdq', PDQ, 2, 'TRUE_POSITIVE'),
      entry('md5', MD5, 3, 'WORTH_INVESTIGATING'),
      entry('md5', '552d2d428fe0ff59d3458370a9712573', 4, 'TRUE_POSITIVE'),
    ]);
    expect(list.rejected).toEqual([{ line: 5, reason: 'Signal type "raw_text" is not a hash tiphash can match' }]);
  });

  it('reads the older column order and explains unusable types, unreadable vpdq signals and false positives', async () => {
    const text = [
      `${BOM}collab,signal_type,signal_str,category,tags`,
      `c,video_sha256,${'AB'.repeat(32)},TRUE_POSITIVE,x y`,
      `c,vpdq,"[{""hash"": ""${PDQ}""}]",TRUE_POSITIVE,`,
      `c,url_md5,${MD5},TRUE_POSITIVE,`,
      `c,pdq,${PDQ},FALSE_POSITIVE,`,
      `c,pdq,${PDQ}`,
    ].join('\r\n');
    const { entries, rejected } = await read(text);
    expect(entries).toEqual([entry('sha256', 'ab'.repeat(32), 2, 'TRUE_POSITIVE')]);
    expect(rejected.map((r) => r.line)).toEqual([3, 4, 5, 6]);
    expect(rejected[0]?.reason).toMatch(/Frame 0 of the vpdq signal is not "pdq,quality,timestamp"/);
    expect(rejected[1]?.reason).toMatch(/MD5 of a URL/);
    expect(rejected[2]?.reason).toMatch(/FALSE_POSITIVE/);
    expect(rejected[3]?.reason).toBe('Expected 5 fields but found 3');
  });

  it('reads a headerless file in the current column order when the format is named', async () => {
    const { entries } = await read(`pdq,${PDQ},collab,TRUE_POSITIVE,\nvideo_md5,${MD5}\n`, { format: 'pytx-csv' });
    expect(entries).toEqual([entry('pdq', PDQ, 1, 'TRUE_POSITIVE'), entry('md5', MD5, 2)]);
  });

  it('refuses a header without signal_str', async () => {
    await expect(read('signal_type,collab\npdq,x\n')).rejects.toMatchObject({ code: 'list_invalid' });
  });
});

describe('plain lines', () => {
  it('loads the fixture with comments', async () => {
    const list = await loadListFile(fixture('bridge.plain.txt'));
    expect(list.format).toBe('plain');
    expect(list.entries).toEqual([
      entry('pdq', PDQ, 2),
      entry('md5', MD5, 3),
      entry('sha1', 'd9549596059c2527a33e83964676d5cc318503c0', 4),
    ]);
  });

  it('accepts tabs, CRLF, a BOM and pytx signal names; rejects malformed lines', async () => {
    const text = `${BOM}MD5\t${MD5.toUpperCase()}\r\nvideo_md5   ${MD5}\r\n${PDQ}\r\npdq ${PDQ} extra\r\nsha3 ${MD5}\r\npdq ${PDQ.slice(2)}\r\n`;
    const { entries, rejected } = await read(text);
    expect(entries).toEqual([entry('md5', MD5, 1), entry('md5', MD5, 2)]);
    expect(rejected).toEqual([
      { line: 3, reason: 'Expected "<algorithm> <hash>" but found 1 field' },
      { line: 4, reason: 'Expected "<algorithm> <hash>" but found 3 fields' },
      { line: 5, reason: expect.stringMatching(/^Unknown algorithm "sha3"/) as string },
      { line: 6, reason: 'Expected 64 hex digits for a pdq hash but received 62' },
    ]);
  });
});

describe('Project VIC JSON', () => {
  it('loads a VICS 2.0 hash set: MD5, SHA1 and the PDQ alternative hash; PhotoDNA ignored', async () => {
    const list = await loadListFile(fixture('bridge.vics2.json'));
    expect(list.format).toBe('vics');
    expect(list.rejected).toEqual([]);
    expect(list.entries).toEqual([
      entry('md5', MD5, 1, '0', '1'),
      entry('sha1', SHA1, 1, '0', '1'),
      entry('pdq', PDQ, 1, '0', '1'),
      entry('md5', '552d2d428fe0ff59d3458370a9712573', 2, '0', '2'),
      entry('sha1', 'd9549596059c2527a33e83964676d5cc318503c0', 2, '0', '2'),
    ]);
  });

  it('loads a VICS 1.x case export, counting a repeated hash once', async () => {
    const list = await loadListFile(fixture('bridge.vics1.json'));
    expect(list.entries).toEqual([
      entry('md5', '46053895b4e81cc881d03edac4af5020', 1, '0', '7'),
      entry('sha1', '49a150edf591c4ce3feef023db82fe1247428e65', 1, '0', '7'),
    ]);
  });

  it('reads BOM + CRLF JSON and reports bad records by record number', async () => {
    const doc = {
      '@odata.context': 'http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media',
      value: [
        { MediaID: 1, MD5: MD5.slice(1) },
        { MediaID: 2, Category: null },
        { MediaID: 3, MD5 },
      ],
    };
    const text = BOM + JSON.stringify(doc, null, 2).replaceAll('\n', '\r\n');
    const { entries, rejected } = await read(text);
    expect(entries).toEqual([entry('md5', MD5, 3, null, '3')]);
    expect(rejected).toEqual([
      { line: 1, reason: 'Media record #1 (MediaID 1): MD5: Expected 32 hex digits for a md5 hash but received 31' },
      { line: 2, reason: 'Media record #2 (MediaID 2): no MD5, SHA1 or supported alternative hash' },
    ]);
  });

  it('fails on JSON that breaks off', async () => {
    const text = `{"@odata.context":"x#Media","value":[{"MediaID":1,"MD5":"${MD5}"},{"MediaID":2,"MD5":`;
    await expect(read(text)).rejects.toMatchObject({
      code: 'list_invalid',
      message: expect.stringContaining('The VICS JSON is invalid') as string,
    });
  });

  it('refuses JSON that is not VICS when the format is forced', async () => {
    await expect(read(`{"value":[{"MD5":"${MD5}"}]}`, { format: 'vics' })).rejects.toMatchObject({
      code: 'list_invalid',
    });
    await expect(read(`[{"MD5":"${MD5}"}]`, { format: 'vics' })).rejects.toMatchObject({ code: 'list_invalid' });
  });
});

describe('any format', () => {
  it('calls an empty, blank or header-only file empty', async () => {
    for (const text of ['', '   \n\n', BOM, 'algorithm,hash,category,id\n', '# nothing but\n# comments\npdq']) {
      await expect(read(text, text.startsWith('#') ? { format: 'plain' } : {})).rejects.toMatchObject({
        code: 'list_empty',
      });
    }
  });

  it('calls a file without one valid entry empty, quoting the first reason', async () => {
    await expect(read(`algorithm,hash\nmd5,zz\nmd5,yy\n`)).rejects.toMatchObject({
      code: 'list_empty',
      message:
        'The list test has no valid entry (2 rejected; first, line 2: Expected 32 hex digits for a md5 hash but received 2)',
    });
  });

  it('refuses what it cannot recognise, naming the formats', async () => {
    await expect(read('<html><body>hello</body></html>\n')).rejects.toMatchObject({
      code: 'list_invalid',
      message: expect.stringContaining('tiphash-csv, pytx-csv, plain, vics') as string,
    });
    await expect(read('x', { format: 'xml' as ListFormat })).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('reads gzip-compressed lists and refuses corrupt gzip', async () => {
    const gz = join(tmp, 'list.csv.gz');
    writeFileSync(gz, gzipSync(Buffer.from(`algorithm,hash\nmd5,${MD5}\n`)));
    const list = await loadListFile(gz);
    expect(list.entries).toEqual([entry('md5', MD5, 2)]);
    const broken = gzipSync(Buffer.from(`algorithm,hash\n${`md5,${MD5}\n`.repeat(2000)}`));
    await expect(read(broken.subarray(0, broken.length - 200))).rejects.toMatchObject({ code: 'list_invalid' });
  });

  it('says which file is missing', async () => {
    await expect(loadListFile(join(tmp, 'nope.csv'))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a line longer than 1 MiB instead of buffering it', async () => {
    await expect(read(`pdq ${'0'.repeat((1 << 20) + 10)}\n`)).rejects.toMatchObject({ code: 'list_invalid' });
  });

  it('keeps the first rejections and counts them all', async () => {
    const path = join(tmp, 'many-bad.txt');
    writeFileSync(path, `${'md5 nothex\n'.repeat(MAX_KEPT_REJECTIONS + 500)}md5 ${MD5}\n`);
    const list = await loadListFile(path);
    expect(list.entries).toHaveLength(1);
    expect(list.rejected).toHaveLength(MAX_KEPT_REJECTIONS);
    expect(list.rejectedCount).toBe(MAX_KEPT_REJECTIONS + 500);
  });
});
