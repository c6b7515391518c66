/** Helpers shared by the media and hashing tests (fixtures, CSV vectors, distances). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sharedFixture } from '../../test/shared.js';

/** A benign image committed under fixtures/images (see its MANIFEST.md). */
export function localFixture(name: string): string {
  return join(repoRoot, 'fixtures/images', name);
}

export function hamming(a: string, b: string): number {
  if (a.length !== b.length)
    throw new Error(`Expected hashes of equal length but received ${a.length} and ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0;
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}

/** Rows of a CSV under ../shared/fixtures/expected, as objects keyed by the header. */
export function expectedCsv(name: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(sharedFixture(join('expected', name)), 'utf8')
    .trim()
    .split('\n');
  const keys = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [keys[i]!, v])));
}
