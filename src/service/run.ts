import { loadConfig } from '../config/index.js';
import { createLogger } from '../config/logger.js';
import { startService, type Role } from './start.js';

/** A library that leaves a handle open must not keep a stopped service from exiting. */
const EXIT_GRACE_MS = 5_000;

/**
 * Runs the service as a process: settings from the environment, one line saying what runs
 * where, then until SIGTERM or SIGINT, which drain and close everything (a second signal
 * exits at once). Resolves to the exit code.
 */
export async function runService(role: Role): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config);
  const service = await startService({ role, config, logger });
  const parts = [
    `${service.shape} shape`,
    `database: ${config.databaseUrl === undefined ? `PGlite in ${config.dataDir}/db` : 'PostgreSQL'}`,
    `queue: ${config.redisUrl === undefined ? 'in-process' : `BullMQ on Redis (prefix ${config.queuePrefix})`}`,
    ...(service.indexImpl ? [`index: ${service.indexImpl}`] : []),
  ];
  const where = service.url ? ` at ${service.url}` : service.probeUrl ? ` (probes at ${service.probeUrl})` : '';
  process.stderr.write(`tiphash ${role}${where}: ${parts.join(', ')}\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  process.stderr.write(`tiphash ${role}: ${signal}: draining (again to stop at once)\n`);
  const force = () => process.exit(1);
  process.once('SIGTERM', force);
  process.once('SIGINT', force);
  await service.close();
  setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
  return 0;
}
