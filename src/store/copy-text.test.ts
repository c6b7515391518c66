import { describe, expect, it } from 'vitest';
import { copyChunks, copyLine } from './copy-text.js';

describe('COPY text format', () => {
  it('escapes the characters COPY treats specially and writes NULL as \\N', () => {
    expect(copyLine(['a\tb', 'c\\d', 'e\nf\rg', null, 3, true, { bytea: '00ff' }])).toBe(
      'a\\tb\tc\\\\d\te\\nf\\rg\t\\N\t3\tt\t\\\\x00ff\n',
    );
  });

  it('groups rows into chunks of about the requested size', async () => {
    async function* rows() {
      for (let i = 0; i < 10; i++) yield await Promise.resolve([String(i).repeat(9)]);
    }
    const chunks: string[] = [];
    for await (const c of copyChunks(rows(), 25)) chunks.push(c);
    expect(chunks.map((c) => c.split('\n').length - 1)).toEqual([3, 3, 3, 1]);
    expect(chunks.join('')).toBe(Array.from({ length: 10 }, (_, i) => `${String(i).repeat(9)}\n`).join(''));
  });
});
