// Builds the optional Hamming-index addon. Never fails the install: without the addon the
// TypeScript implementation runs (src/matching), and the loader logs which one is in use.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, 'binding.gyp'))) process.exit(0);
if (process.env.TIPHASH_SKIP_NATIVE === '1' && !process.argv.includes('--force')) {
  console.warn('tiphash: TIPHASH_SKIP_NATIVE=1, native addon not built (TypeScript index will be used)');
  process.exit(0);
}
const r = spawnSync('npx', ['--no-install', 'node-gyp', 'rebuild'], { cwd: here, stdio: 'inherit' });
if (r.status !== 0) {
  console.warn('tiphash: native addon build failed; the TypeScript index will be used');
  process.exit(process.argv.includes('--force') ? 1 : 0);
}
