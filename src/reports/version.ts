import { readFileSync } from 'node:fs';

// Resolved from the compiled file (dist/src/reports/version.js) or the source (src/reports/version.ts).
const PACKAGE = new URL(
  import.meta.url.includes('/dist/') ? '../../../package.json' : '../../package.json',
  import.meta.url,
);

let cached: string | undefined;

/** tiphash's version (package.json), named in every report so a reader knows what produced it. */
export function tiphashVersion(): string {
  cached ??= (JSON.parse(readFileSync(PACKAGE, 'utf8')) as { version: string }).version;
  return cached;
}
