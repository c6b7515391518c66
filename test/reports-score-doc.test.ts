import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HASH_ALGOS, type HashAlgo } from '../src/core/hash.js';
import { matchScore } from '../src/matching/score.js';
import { repoRoot } from './shared.js';

interface Example {
  label: string;
  algorithm: HashAlgo;
  distance: number;
  threshold: number;
  quality: number | undefined;
  pct: number | undefined;
  pctThreshold: number | undefined;
  score: number;
}

const doc = readFileSync(join(repoRoot, 'docs/score.md'), 'utf8');
const NONE = '—';

function numberCell(cell: string, what: string): number {
  const n = Number(cell);
  if (cell === '' || !Number.isFinite(n))
    throw new Error(`Expected a number for ${what} but received ${JSON.stringify(cell)}`);
  return n;
}

/** The rows of every table between <!-- score-examples --> markers, one array per table. */
function exampleTables(): Example[][] {
  const blocks = [...doc.matchAll(/<!-- score-examples -->\n([\s\S]*?)<!-- \/score-examples -->/g)].map((m) => m[1]!);
  return blocks.map((block) =>
    block
      .trim()
      .split('\n')
      .slice(2)
      .map((line) => {
        const cells = line
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim());
        expect(cells, line).toHaveLength(7);
        const [label, algorithm, distance, threshold, quality, frames, score] = cells as [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
        ];
        expect(HASH_ALGOS, line).toContain(algorithm);
        const video = frames === NONE ? undefined : /^(\d+(?:\.\d+)?) \((\d+)\)$/.exec(frames);
        if (video === null) throw new Error(`Expected "pct (threshold)" or — for frames but received ${frames}`);
        return {
          label,
          algorithm: algorithm as HashAlgo,
          distance: numberCell(distance, 'distance'),
          threshold: numberCell(threshold, 'threshold'),
          quality: quality === NONE ? undefined : numberCell(quality, 'quality'),
          pct: video ? Number(video[1]) : undefined,
          pctThreshold: video ? Number(video[2]) : undefined,
          score: numberCell(score, 'score'),
        };
      }),
  );
}

describe('docs/score.md', () => {
  const tables = exampleTables();

  it('has the example table in English and in Thai, with the same examples', () => {
    expect(tables).toHaveLength(2);
    const [en, th] = tables as [Example[], Example[]];
    expect(en.length).toBeGreaterThanOrEqual(10);
    const numbers = (t: Example[]) => t.map(({ label: _label, ...rest }) => rest);
    expect(numbers(th)).toEqual(numbers(en));
  });

  it('gives every example the score matchScore computes', () => {
    for (const e of tables.flat()) expect(matchScore(e), e.label).toBe(e.score);
  });

  it('illustrates every band and algorithm family it describes', () => {
    const examples = tables[0]!;
    const scores = examples.map((e) => e.score);
    expect(scores).toContain(100);
    expect(scores.some((s) => s >= 50 && s < 100)).toBe(true);
    expect(scores.some((s) => s >= 25 && s < 50)).toBe(true);
    expect(new Set(examples.map((e) => e.algorithm))).toEqual(new Set(['sha256', 'md5', 'pdq', 'blockhash', 'vpdq']));
  });
});
