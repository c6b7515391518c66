import { invalidArgument } from '../core/errors.js';
import { verifyAudit } from '../store/index.js';
import { parse } from './args.js';
import { openConfiguredStore, withStore, type OpenStore } from './store-command.js';

const HELP = `Usage: tiphash audit verify

Recomputes the audit log's hash chain in the store the settings name. Prints "ok" and the
number of rows and exits 0, or names the first broken row and why and exits 1.`;

export async function auditCommand(argv: string[], open: OpenStore = openConfiguredStore): Promise<number> {
  const { values, positionals } = parse(argv, { help: { type: 'boolean', short: 'h' } });
  const [sub] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(HELP + '\n');
    return values.help ? 0 : 2;
  }
  if (sub !== 'verify') throw invalidArgument('verify', 'the audit subcommand', sub);
  const verdict = await withStore(open, (db) => verifyAudit(db));
  if (verdict.ok) {
    process.stdout.write(`ok: ${verdict.rows} rows, chain intact\n`);
    return 0;
  }
  process.stdout.write(
    `broken at row ${verdict.brokenId}: ${verdict.reason} (${verdict.rows} rows before it are intact)\n`,
  );
  return 1;
}
