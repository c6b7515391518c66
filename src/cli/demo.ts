import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanCommand } from './scan.js';

// Resolved from the compiled file (dist/src/cli/demo.js) or the source (src/cli/demo.ts).
const FIXTURES = fileURLToPath(
  new URL(import.meta.url.includes('/dist/') ? '../../../fixtures/' : '../../fixtures/', import.meta.url),
);
const shown = (p: string) => relative(process.cwd(), p) || '.';

const HELP = `Usage: tiphash demo [--scan-only] [scan options]

Scans the bundled demo folder (benign reference photographs and a video, edited copies,
deliberately broken files) against a demo list made from some of them: first with
\`tiphash scan\`, then through the service in its embedded shape (PGlite in a temporary
folder, the in-process queue) over its HTTP API: keys, the list, one batch upload, the
verdicts, the case report's digest and the audit log's check. The folder is removed after.

  --scan-only   only the \`tiphash scan\` part (no service, no database)

Other options go to the scan (e.g. --exact). Exit 0 when the demo ran (a match is the demo
working), 2 when it could not.`;

/**
 * Scans the bundled demo folder (benign reference photographs and a video, edited copies, and
 * deliberately broken files) against a demo list made from some of them, then runs the same
 * folder through the embedded service.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const scanOnly = argv.includes('--scan-only');
  const folder = `${FIXTURES}demo`;
  const list = `${FIXTURES}lists/demo.tiphash.csv`;
  process.stderr.write(
    `tiphash demo: scanning ${shown(folder)} against ${shown(list)}\n` +
      'Every file here is benign (see fixtures/MANIFEST.md); the list was made from some of them.\n\n',
  );
  const scanArgs = argv.filter((a) => a !== '--scan-only');
  const code = await scanCommand([shown(folder), '--dihedral-list', shown(list), '--format', 'text', ...scanArgs]);
  // A match is the demo working, not a failure of the command.
  if (code === 2) return 2;
  if (scanOnly) return 0;
  // Loaded only now: the scan alone never loads the server or the database.
  const { serviceDemo } = await import('./demo-service.js');
  return serviceDemo({ folder, list, listLabel: shown(list) });
}
