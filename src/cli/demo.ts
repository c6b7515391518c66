import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanCommand } from './scan.js';

// Resolved from the compiled file (dist/src/cli/demo.js) or the source (src/cli/demo.ts).
const FIXTURES = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../fixtures/' : '../../fixtures/', import.meta.url));
const shown = (p: string) => relative(process.cwd(), p) || '.';

/**
 * Scans the bundled demo folder (benign reference photographs and edited copies, plus
 * deliberately broken files) against a demo list made from some of them.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  process.stderr.write(
    `tiphash demo: scanning ${shown(`${FIXTURES}demo`)} against ${shown(`${FIXTURES}lists/demo.tiphash.csv`)}\n` +
      'Every file here is benign (see fixtures/MANIFEST.md); the list was made from some of them.\n\n',
  );
  const code = await scanCommand([shown(`${FIXTURES}demo`), '--dihedral-list', shown(`${FIXTURES}lists/demo.tiphash.csv`), '--format', 'text', ...argv]);
  // A match is the demo working, not a failure of the command.
  return code === 2 ? 2 : 0;
}
