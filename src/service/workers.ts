import { chmod, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import type { Staging } from '../intake/staging.js';
import type { LiveMatcher } from '../matching/live-matcher.js';
import { DEFAULT_DECODE_LIMITS } from '../media/decode.js';
import { videoOptions } from '../pipeline/item.js';
import { itemHandler } from '../pipeline/service-item.js';
import { jobPolicies, type JobWorker, type QueueBackend } from '../queue/index.js';
import type { Db } from '../store/index.js';
import type { ServiceMetrics } from './metrics.js';
import { every, reconcile } from './reconcile.js';

/**
 * Where a worker spools the decrypted bytes of an MP4 that ffmpeg must seek in (index at the
 * end): a private directory (0700) in the worker's own data directory — never the staging
 * directory, which the API and other workers share — one 0600 file per video in its own
 * subdirectory, removed as soon as the video is hashed. Should the data directory be shared
 * after all, a sweep removes only what is older than any video job may run: what a crash left.
 */
export async function videoSpool(
  dataDir: string,
  maxAgeMs: number,
  now = Date.now(),
): Promise<{ dir: string; removed: number }> {
  const dir = join(dataDir, 'video-spool');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone.
  await chmod(dir, 0o700);
  let removed = 0;
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => null);
    if (st && now - st.mtimeMs > maxAgeMs) {
      await rm(path, { recursive: true, force: true });
      removed++;
    }
  }
  return { dir, removed };
}

export interface WorkerDeps {
  config: Config;
  logger: Logger;
  db: Db;
  staging: Staging;
  backend: QueueBackend;
  matcher: LiveMatcher;
  metrics: ServiceMetrics;
}

/**
 * Starts taking item jobs once the hash lists are loaded (before that every item would miss),
 * with the reconciler and the staging sweeper beside them. close() stops the periodic tasks,
 * then lets the jobs in hand finish.
 */
export function runWorkers(d: WorkerDeps): { close(): Promise<void> } {
  const { config, logger, db, staging, backend, matcher } = d;
  const policy = jobPolicies(config).item;
  let worker: JobWorker | undefined;
  const periodic: Array<{ stop(): Promise<void> }> = [];
  let closed = false;

  const start = async () => {
    await matcher.whenReady();
    // No video job runs longer than its timeout: a spooled file older than twice that is a crash's.
    const spoolMaxAgeMs = 2 * config.video.limits.timeoutSeconds * 1000 + 60_000;
    const spool = (await videoSpool(config.dataDir, spoolMaxAgeMs)).dir;
    if (closed) return;
    worker = backend.startWorker(
      {
        item: itemHandler({
          db,
          staging,
          matcher: () => matcher.matcher(),
          limits: {
            ...DEFAULT_DECODE_LIMITS,
            maxBytes: config.limits.maxUploadBytes,
            maxPixels: config.limits.maxPixels,
          },
          video: videoOptions(config.video, { tempDir: spool }),
          fetch: config.fetch,
          maxStarts: policy.maxStarts,
        }),
      },
      { logger, onSettled: (name, outcome, seconds) => d.metrics.observeJob(name, outcome, seconds) },
    );
    periodic.push(
      every(config.worker.reconcileSeconds * 1000, 'reconciling the queue with the store', logger, async () => {
        const n = await reconcile(db, backend.queue, config.worker.reconcileSeconds);
        if (n > 0) logger.info(`reconciler: offered ${n} idle in-flight items to the queue`);
      }),
      every(3_600_000, 'sweeping the staging directory', logger, async () => {
        const n = await staging.sweep();
        if (n > 0) logger.info(`staging sweep: removed ${n} orphaned uploads`);
        const spooled = (await videoSpool(config.dataDir, spoolMaxAgeMs)).removed;
        if (spooled > 0) logger.info(`video spool sweep: removed ${spooled} files a crash left`);
      }),
    );
    // At start no item in flight can have a job in this process's queue: offer them all.
    const offered = await reconcile(db, backend.queue, 0).catch((err: unknown) => {
      logger.warn({ err }, 'reconciling at start failed; the periodic reconciler will retry');
      return 0;
    });
    // Uploads a crash left behind go now rather than in an hour.
    await staging
      .sweep()
      .catch((err: unknown) => logger.warn({ err }, 'sweeping the staging directory at start failed'));
    logger.info(
      `workers started (concurrency ${policy.concurrency})${offered > 0 ? `; ${offered} items in flight offered to the queue` : ''}`,
    );
  };
  void start().catch((err: unknown) => logger.error({ err }, 'starting the workers failed'));

  return {
    // The worker and the periodic tasks are set up in one synchronous step after `closed` is
    // checked, so there is nothing half-started to wait for here.
    async close() {
      closed = true;
      await Promise.allSettled(periodic.map((p) => p.stop()));
      await worker?.close();
    },
  };
}
