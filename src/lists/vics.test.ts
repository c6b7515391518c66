import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ListItem } from './format.js';
import { parseVics, recordItems } from './vics.js';
import { VicsWalker, type Token, type VicsRecord } from './vics-walker.js';

const MD5 = 'd35c785545392755e7e4164457657269';
const MD5B = '552d2d428fe0ff59d3458370a9712573';
const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

async function items(doc: unknown): Promise<ListItem[]> {
  const out: ListItem[] = [];
  for await (const item of parseVics(Readable.from([Buffer.from(JSON.stringify(doc))]))) out.push(item);
  return out;
}

const hashes = (list: ListItem[]): string[] =>
  list.flatMap((i) => (i.kind === 'entry' ? [`${i.entry.line}:${i.entry.hash}`] : []));

describe('VICS structure', () => {
  it('finds Media in every case and skips everything else', async () => {
    const doc = {
      'odata.metadata': 'http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Cases',
      Extra: { value: [{ MD5 }], Media: [{ MD5 }] },
      value: [
        {
          CaseID: 'a',
          Notes: [{ Media: [{ MD5: 'nested-not-a-record' }] }],
          Media: [{ MediaID: 1, MD5, MediaFiles: [{ FileName: 'x', Exifs: [{ a: [1, [2]] }] }] }],
        },
        { CaseID: 'b', Media: [] },
        { CaseID: 'c', Media: [{ MediaID: 2, MD5: MD5B }, 'not an object', [MD5]] },
      ],
    };
    expect(hashes(await items(doc))).toEqual([`1:${MD5}`, `2:${MD5B}`]);
  });

  it('reads a single case written as an object, and Media records directly under value', async () => {
    const single = { '@odata.context': 'x#Cases', value: { CaseID: 'a', Media: [{ MD5 }] } };
    expect(hashes(await items(single))).toEqual([`1:${MD5}`]);
    const set = {
      '@odata.context': 'x#Media',
      value: [{ MD5 }, { CaseID: 'no hashes here', Media: [] }, { MD5: MD5B }],
    };
    expect(hashes(await items(set))).toEqual([`1:${MD5}`, `2:${MD5B}`]);
  });

  it('holds one record at a time: a record is out as soon as its object closes', () => {
    const walker = new VicsWalker();
    const out: VicsRecord[] = [];
    const tokens: Token[] = [
      { name: 'startObject' },
      { name: 'keyValue', value: '@odata.context' },
      { name: 'stringValue', value: 'x#Media' },
      { name: 'keyValue', value: 'value' },
      { name: 'startArray' },
      { name: 'startObject' },
      { name: 'keyValue', value: 'MD5' },
      { name: 'stringValue', value: MD5 },
      { name: 'keyValue', value: 'MediaID' },
      { name: 'numberValue', value: '12345678901234567890' },
      { name: 'endObject' },
    ];
    for (const t of tokens) walker.push(t, out);
    expect(out).toEqual([{ MD5, MediaID: '12345678901234567890' }]);
    expect(walker.context).toBe('x#Media');
  });
});

describe('VICS Media records', () => {
  it('gives one entry per distinct hash, with MediaID and the raw category code', () => {
    const record = {
      mediaId: '12345678901234567890',
      Category: '3',
      md5: MD5.toUpperCase(),
      SHA1: '',
      AlternativeHashes: [
        { HashName: 'MD5', HashValue: MD5 },
        { hashname: 'pdq', hashvalue: Buffer.from(PDQ, 'hex').toString('base64') },
        { HashName: 'PhotoDNA', HashValue: 'AAAA' },
        { HashName: 'SHA-256', HashValue: 'ab'.repeat(32) },
        'junk',
      ],
    };
    expect(recordItems(record, 4)).toEqual([
      { kind: 'entry', entry: { algorithm: 'md5', hash: MD5, category: '3', id: '12345678901234567890', line: 4 } },
      { kind: 'entry', entry: { algorithm: 'pdq', hash: PDQ, category: '3', id: '12345678901234567890', line: 4 } },
      {
        kind: 'entry',
        entry: { algorithm: 'sha256', hash: 'ab'.repeat(32), category: '3', id: '12345678901234567890', line: 4 },
      },
    ]);
  });

  it('rejects a bad hash and keeps the good ones of the same record', () => {
    const got = recordItems({ MD5, SHA1: 'xyz', AlternativeHashes: [{ HashName: 'PDQ', HashValue: PDQ.slice(1) }] }, 9);
    expect(got.map((i) => (i.kind === 'entry' ? i.entry.algorithm : i.rejected.reason))).toEqual([
      'md5',
      'Media record #9: SHA1: Expected 40 hex digits for a sha1 hash but received 3',
      'Media record #9: AlternativeHashes PDQ: Expected 64 hex digits for a pdq hash but received 63',
    ]);
  });
});
