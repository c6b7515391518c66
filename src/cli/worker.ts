import { runService } from '../service/run.js';
import { parse } from './args.js';

const HELP = `Usage: tiphash worker

Runs a worker of the distributed shape until SIGTERM or SIGINT: takes item jobs from
BullMQ (REDIS_URL), hashes and matches them against the lists in PostgreSQL (DATABASE_URL)
and records the results. Staged uploads are read from TIPHASH_STAGING_DIR with
TIPHASH_STAGING_KEY, shared with the API. TIPHASH_WORKER_PORT serves /healthz, /readyz and
/metrics; TIPHASH_WORKER_CONCURRENCY sets the jobs run at once.`;

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { help: { type: 'boolean', short: 'h' } }, false);
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  return runService('worker');
}
