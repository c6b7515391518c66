import { ROLES, type Role } from '../service/start.js';
import { runService } from '../service/run.js';
import { invalidArgument } from '../core/errors.js';
import { parse } from './args.js';

const HELP = `Usage: tiphash serve [--role all|api]

Runs the service until SIGTERM or SIGINT (which drain it). Settings come from the
environment (see the README, "Settings").

  --role all   (default) API and workers in one process. With no DATABASE_URL and no
               REDIS_URL this is the embedded shape: PGlite under TIPHASH_DATA_DIR and an
               in-process queue.
  --role api   the HTTP API only, for the distributed shape (REDIS_URL and DATABASE_URL);
               run workers with \`tiphash worker\`.`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { role: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, false);
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const role = values.role ?? 'all';
  if (!(ROLES as readonly string[]).includes(role) || role === 'worker')
    throw invalidArgument('"all" or "api" (workers run with `tiphash worker`)', '--role', role);
  return runService(role as Role);
}
