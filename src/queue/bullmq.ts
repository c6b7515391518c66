import { performance } from 'node:perf_hooks';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../config/logger.js';
import { AppError, toAppError } from '../core/errors.js';
import { isPermanent, jobId, type JobPolicies } from './policy.js';
import { runHandler } from './run.js';
import type {
  JobHandlers,
  JobName,
  JobPayloads,
  JobQueue,
  JobWorker,
  QueueBackend,
  QueueDepth,
  WorkerOptions,
} from './types.js';

export interface BullOptions {
  url: string;
  /** Key prefix in Redis: one per deployment (and per test file). */
  prefix: string;
  policies: JobPolicies;
  logger: Logger;
}

const ADD_CHUNK = 1_000;

/**
 * A worker blocks on Redis and must wait out a restart rather than fail (BullMQ requires
 * maxRetriesPerRequest: null). A producer fails fast instead: an API request should not hang
 * while Redis is down, and the items it created are enqueued later by the reconciler. An
 * error listener keeps ioredis from printing its own.
 */
function connect(url: string, logger: Logger, what: 'queue' | 'worker'): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: what === 'worker' ? null : 1 });
  redis.on('error', (err) => logger.warn({ err: { message: err.message } }, `redis (${what}): ${err.message}`));
  return redis;
}

/** The distributed shape's queue: BullMQ on Redis, one BullMQ queue per policy `queue`. */
export function bullBackend(opts: BullOptions): QueueBackend {
  const { policies, prefix, logger } = opts;
  const names = Object.keys(policies) as JobName[];
  const connection = connect(opts.url, logger, 'queue');
  const queues = new Map<JobName, Queue>();
  for (const name of names) {
    const q = new Queue(policies[name].queue, { connection, prefix });
    q.on('error', (err) =>
      logger.warn({ err: { message: err.message } }, `queue ${policies[name].queue}: ${err.message}`),
    );
    queues.set(name, q);
  }
  const workers: JobWorker[] = [];
  let closing: Promise<void> | undefined;

  const queue: JobQueue = {
    async enqueue(name, payloads) {
      if (closing) throw new AppError('not_ready', 'The job queue is closed (the service is shutting down)');
      const policy = policies[name];
      const q = queues.get(name)!;
      for (let i = 0; i < payloads.length; i += ADD_CHUNK) {
        await q.addBulk(
          payloads.slice(i, i + ADD_CHUNK).map((data) => ({
            name,
            data,
            opts: {
              jobId: jobId(name, data),
              attempts: policy.attempts,
              backoff: { type: 'exponential', delay: policy.backoffMs },
              // Finished jobs leave Redis at once: the store keeps the outcome, and the id can be
              // enqueued again (the reconciler relies on it).
              removeOnComplete: true,
              removeOnFail: true,
            },
          })),
        );
      }
    },
    async depth(): Promise<QueueDepth> {
      const depth: QueueDepth = { waiting: 0, active: 0, delayed: 0 };
      for (const q of queues.values()) {
        const c = await q.getJobCounts('wait', 'prioritized', 'active', 'delayed');
        depth.waiting += (c.wait ?? 0) + (c.prioritized ?? 0);
        depth.active += c.active ?? 0;
        depth.delayed += c.delayed ?? 0;
      }
      return depth;
    },
    close() {
      closing ??= (async () => {
        const results = await Promise.allSettled([
          ...workers.map((w) => w.close()),
          ...[...queues.values()].map((q) => q.close()),
        ]);
        connection.disconnect();
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      })();
      return closing;
    },
  };

  return {
    kind: 'bullmq',
    queue,
    startWorker(handlers, wopts) {
      const started = names.map((name) => startWorker(opts, name, handlers, wopts));
      const w: JobWorker = {
        close: async () => {
          await Promise.allSettled(started.map((s) => s.close()));
        },
      };
      workers.push(w);
      return w;
    },
  };
}

function startWorker(opts: BullOptions, name: JobName, handlers: JobHandlers, wopts: WorkerOptions): JobWorker {
  const policy = opts.policies[name];
  const connection = connect(opts.url, wopts.logger, 'worker');
  const handler = handlers[name] as (
    p: JobPayloads[JobName],
    ctx: Parameters<JobHandlers[JobName]>[1],
  ) => Promise<void>;

  const process = async (job: Job<JobPayloads[JobName]>, _token?: string, signal?: AbortSignal): Promise<void> => {
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    const id = job.id ?? jobId(name, job.data);
    const logger = wopts.logger.child({ jobId: id, attempt });
    const started = performance.now();
    try {
      await runHandler(handler, job.data, { jobId: id, attempt, lastAttempt, logger }, policy, signal);
      wopts.onSettled?.(name, 'completed', (performance.now() - started) / 1000);
    } catch (err) {
      const e = toAppError(err);
      const permanent = isPermanent(err);
      wopts.onSettled?.(name, permanent || lastAttempt ? 'failed' : 'retrying', (performance.now() - started) / 1000);
      logger[permanent || lastAttempt ? 'warn' : 'info'](
        { err: e },
        `job ${id} failed${permanent || lastAttempt ? ' for good' : '; retrying'}: ${e.code}`,
      );
      // BullMQ's way of saying "do not retry"; anything else is retried with backoff.
      if (permanent) throw new UnrecoverableError(`${e.code}: ${e.message}`);
      throw e;
    }
  };

  const worker = new Worker<JobPayloads[JobName]>(policy.queue, process, {
    connection,
    prefix: opts.prefix,
    concurrency: policy.concurrency,
    // A worker killed mid-job leaves its job to the stalled check, which puts it back to
    // wait; past this many stalls BullMQ fails it and the reconciler (with the store's
    // start count, maxStarts) decides.
    maxStalledCount: 2,
  });
  worker.on('error', (err) =>
    wopts.logger.warn({ err: { message: err.message } }, `worker ${policy.queue}: ${err.message}`),
  );
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= worker.close().finally(() => connection.disconnect());
      return closing;
    },
  };
}
