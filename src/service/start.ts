/**
 * The service in its shapes, from one configuration:
 * - embedded (no REDIS_URL): one process, role `all` only — API, workers, PGlite (or the
 *   Postgres at DATABASE_URL) and the in-process queue;
 * - distributed (REDIS_URL): `api` processes and any number of `worker` processes sharing
 *   Postgres, Redis, the staging directory and its key (`all` also works, in one process).
 */
import { buildApp } from '../api/app.js';
import type { Readiness } from '../api/deps.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import { AppError } from '../core/errors.js';
import { openStaging, type Staging } from '../intake/staging.js';
import { chooseKernel, createHammingIndex } from '../matching/index.js';
import { LiveMatcher } from '../matching/live-matcher.js';
import { videoMatchOptions } from '../pipeline/item.js';
import { openQueue, type JobQueue } from '../queue/index.js';
import { bootstrapAdminKey, openStore, type Db } from '../store/index.js';
import { createMetrics } from './metrics.js';
import { startProbeServer, type ProbeServer } from './probe-server.js';
import { reconcile } from './reconcile.js';
import { resolveStagingKey } from './staging-key.js';
import { runWorkers } from './workers.js';

export type Role = 'all' | 'api' | 'worker';
export const ROLES: readonly Role[] = ['all', 'api', 'worker'];

export interface ServiceOptions {
  role: Role;
  config: Config;
  logger: Logger;
  /** A Postgres schema of its own (tests). */
  schema?: string;
}

export interface Service {
  readonly role: Role;
  readonly shape: 'embedded' | 'distributed';
  /** Which Hamming index implementation the workers use (roles all and worker). */
  readonly indexImpl: 'native' | 'ts' | undefined;
  /** The API's base URL (roles all and api). */
  readonly url: string | undefined;
  /** A worker process's /healthz, /readyz and /metrics (TIPHASH_WORKER_PORT set). */
  readonly probeUrl: string | undefined;
  readonly db: Db;
  readonly queue: JobQueue;
  readonly staging: Staging;
  /** The hash lists as the workers match them (roles all and worker). */
  readonly matcher: LiveMatcher | undefined;
  ready(): Promise<Readiness>;
  /** Runs the reconciler once now (tests, and the start). */
  reconcile(idleSeconds?: number): Promise<number>;
  /** Idempotent: stops intake (503), stops taking jobs, finishes those in hand, closes everything. */
  close(): Promise<void>;
}

function checkShape(role: Role, config: Config): void {
  if (config.redisUrl === undefined && role !== 'all') {
    throw new AppError(
      'not_configured',
      `Role "${role}" runs as one of several processes and needs the distributed shape: set REDIS_URL and DATABASE_URL (and TIPHASH_STAGING_KEY), or run \`tiphash serve\` (role all) for the embedded shape`,
    );
  }
  if (config.databaseUrl === undefined && role !== 'all') {
    throw new AppError(
      'not_configured',
      `Role "${role}" shares the database with other processes: set DATABASE_URL (the embedded PGlite database belongs to one process)`,
    );
  }
}

/** Waits at most `ms` for `p`, so a readiness probe answers even when Redis hangs. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms))),
  ]).finally(() => clearTimeout(timer));
}

export async function startService(opts: ServiceOptions): Promise<Service> {
  const { role, config, logger } = opts;
  checkShape(role, config);
  const runsWorkers = role !== 'api';
  const runsApi = role !== 'worker';
  const stagingKey = await resolveStagingKey(config);
  const cleanups: Array<{ name: string; run: () => Promise<unknown> }> = [];
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // In order, every step even if one throws: intake first (503), then workers (finish jobs in hand), then connections.
      for (const step of cleanups.reverse()) {
        try {
          await step.run();
        } catch (err) {
          logger.error({ err }, `shutdown: ${step.name} failed`);
        }
      }
      logger.info('tiphash stopped');
    })());

  try {
    const db = await openStore(config, opts.schema === undefined ? {} : { schema: opts.schema });
    cleanups.push({ name: 'closing the database', run: () => db.close() });
    if (runsApi && config.bootstrapAdminKey !== undefined && (await bootstrapAdminKey(db, config.bootstrapAdminKey)))
      logger.info('installed TIPHASH_BOOTSTRAP_ADMIN_KEY as the first admin key');
    const staging = await openStaging({
      dir: config.staging.dir,
      key: stagingKey,
      ttlHours: config.staging.ttlHours,
      db,
    });
    const backend = openQueue(config, logger);
    cleanups.push({ name: 'closing the queue', run: () => backend.queue.close() });

    let matcher: LiveMatcher | undefined;
    let indexImpl: 'native' | 'ts' | undefined;
    if (runsWorkers) {
      indexImpl = chooseKernel(config.indexImpl).kernel.impl;
      const indexLogger = { info: (msg: string) => logger.info(msg), warn: (msg: string) => logger.warn(msg) };
      const live = await LiveMatcher.start({
        db,
        createIndex: () =>
          createHammingIndex({ ...(config.indexImpl ? { impl: config.indexImpl } : {}), logger: indexLogger }),
        video: videoMatchOptions(config.video),
        logger,
      });
      matcher = live;
      cleanups.push({ name: 'stopping the list listener', run: () => live.close() });
    }

    const metrics = createMetrics({
      db,
      queue: backend.queue,
      ...(matcher ? { index: () => matcher.status().entries } : {}),
      logger,
    });
    const ready = async (): Promise<Readiness> => {
      if (closing) return { ready: false, checks: { service: 'shutting down' } };
      const checks: Record<string, string> = {};
      checks.db = await within(db.query('SELECT 1'), 2_000).then(
        () => 'ok',
        () => 'unreachable',
      );
      checks.queue = await within(backend.queue.depth(), 2_000).then(
        () => 'ok',
        () => 'unreachable',
      );
      if (matcher) {
        const s = matcher.status();
        const entries = Object.values(s.entries).reduce((a, b) => a + (b ?? 0), 0);
        checks.index = s.ready ? `ok (${s.lists.length} lists, ${entries} entries)` : 'loading';
      }
      // The API takes batches while Redis is down (the reconciler enqueues them later); a
      // worker without its index or its database cannot do anything useful.
      const ok = checks.db === 'ok' && (!matcher || matcher.ready) && (!runsWorkers || checks.queue === 'ok');
      return { ready: ok, checks };
    };
    if (matcher) {
      const workers = runWorkers({ config, logger, db, staging, backend, matcher, metrics });
      cleanups.push({ name: 'stopping the workers', run: () => workers.close() });
    }

    let url: string | undefined;
    if (runsApi) {
      const api = await buildApp({ config, logger, db, queue: backend.queue, staging, ready, metrics });
      // Registered last, so it runs first: new requests get 503 while in-flight ones finish.
      cleanups.push({ name: 'stopping the HTTP API', run: () => api.close() });
      url = await api.listen({ host: config.host, port: config.port });
    }
    let probe: ProbeServer | undefined;
    if (role === 'worker' && config.worker.port !== undefined) {
      const p = await startProbeServer({ host: config.host, port: config.worker.port, ready, metrics });
      probe = p;
      cleanups.push({ name: 'stopping the probe server', run: () => p.close() });
    }

    return {
      role,
      shape: config.redisUrl === undefined ? 'embedded' : 'distributed',
      indexImpl,
      url,
      probeUrl: probe?.url,
      db,
      queue: backend.queue,
      staging,
      matcher,
      ready,
      reconcile: (idleSeconds = 0) => reconcile(db, backend.queue, idleSeconds),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
