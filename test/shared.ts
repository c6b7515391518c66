import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** ../shared beside the checkout (overridable by TIPHASH_SHARED): reference media and vectors. */
export function sharedDir(): string {
  const dir = process.env.TIPHASH_SHARED ?? resolve(repoRoot, '../shared');
  if (!existsSync(join(dir, 'fixtures'))) {
    throw new Error(`Expected the shared reference fixtures at ${dir}/fixtures (set TIPHASH_SHARED)`);
  }
  return dir;
}

export function sharedFixture(rel: string): string {
  return join(sharedDir(), 'fixtures', rel);
}

/** A path under fixtures/threatexchange, as used in the expected-hash CSVs. */
export function threatexchange(rel: string): string {
  return sharedFixture(join('threatexchange', rel));
}
