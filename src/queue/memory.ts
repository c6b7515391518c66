import { performance } from 'node:perf_hooks';
import { AppError, toAppError } from '../core/errors.js';
import { backoffDelay, isPermanent, jobId, type JobPolicies } from './policy.js';
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

interface MemJob {
  id: string;
  name: JobName;
  payload: JobPayloads[JobName];
  /** The try about to run (1-based). */
  attempt: number;
}

interface Lane {
  waiting: MemJob[];
  active: number;
}

/**
 * The embedded shape's queue: the same semantics as BullMQ (job ids dedupe live jobs,
 * retries with exponential backoff, permanent failures not retried, per-type concurrency,
 * drain on close), held in memory. Nothing is lost when the process stops: the jobs are
 * derived from the store, and the reconciler enqueues every item still in flight at start.
 */
export function memoryBackend(policies: JobPolicies): QueueBackend {
  const live = new Map<string, MemJob>();
  const lanes = {} as Record<JobName, Lane>;
  for (const name of Object.keys(policies) as JobName[]) lanes[name] = { waiting: [], active: 0 };
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let handlers: JobHandlers | undefined;
  let options: WorkerOptions | undefined;
  let stopping = false;
  let closed = false;

  const pump = (): void => {
    if (!handlers || !options || stopping) return;
    for (const name of Object.keys(lanes) as JobName[]) {
      const lane = lanes[name];
      while (lane.active < policies[name].concurrency && lane.waiting.length > 0) {
        const job = lane.waiting.shift()!;
        lane.active++;
        const p = run(job, handlers, options).finally(() => {
          lane.active--;
          running.delete(p);
          pump();
        });
        running.add(p);
      }
    }
  };

  const run = async (job: MemJob, hs: JobHandlers, opts: WorkerOptions): Promise<void> => {
    const policy = policies[job.name];
    const lastAttempt = job.attempt >= policy.attempts;
    const logger = opts.logger.child({ jobId: job.id, attempt: job.attempt });
    const started = performance.now();
    const handler = hs[job.name] as (
      p: JobPayloads[JobName],
      ctx: Parameters<JobHandlers[JobName]>[1],
    ) => Promise<void>;
    try {
      await runHandler(handler, job.payload, { jobId: job.id, attempt: job.attempt, lastAttempt, logger }, policy);
      live.delete(job.id);
      opts.onSettled?.(job.name, 'completed', (performance.now() - started) / 1000);
    } catch (err) {
      const seconds = (performance.now() - started) / 1000;
      const e = toAppError(err);
      if (stopping && !isPermanent(err)) {
        live.delete(job.id);
        logger.info(
          { err: e },
          `job ${job.id} interrupted by shutdown (${e.code}); the item is picked up again at the next start`,
        );
        return;
      }
      if (isPermanent(err) || lastAttempt) {
        live.delete(job.id);
        opts.onSettled?.(job.name, 'failed', seconds);
        logger.warn({ err: e }, `job ${job.id} failed for good: ${e.code}`);
        return;
      }
      opts.onSettled?.(job.name, 'retrying', seconds);
      const delay = backoffDelay(policy, job.attempt);
      logger.info({ err: e }, `job ${job.id} failed (${e.code}); retrying in ${delay} ms`);
      job.attempt++;
      timers.set(
        job.id,
        setTimeout(() => {
          timers.delete(job.id);
          lanes[job.name].waiting.push(job);
          pump();
        }, delay),
      );
    }
  };

  const queue: JobQueue = {
    enqueue(name, payloads) {
      if (closed)
        return Promise.reject(new AppError('not_ready', 'The job queue is closed (the service is shutting down)'));
      for (const payload of payloads) {
        const id = jobId(name, payload);
        if (live.has(id)) continue;
        const job: MemJob = { id, name, payload, attempt: 1 };
        live.set(id, job);
        lanes[name].waiting.push(job);
      }
      pump();
      return Promise.resolve();
    },
    depth(): Promise<QueueDepth> {
      const lanesList = Object.values(lanes);
      return Promise.resolve({
        waiting: lanesList.reduce((n, l) => n + l.waiting.length, 0),
        active: lanesList.reduce((n, l) => n + l.active, 0),
        delayed: timers.size,
      });
    },
    async close() {
      closed = true;
      await worker.close();
      live.clear();
      for (const lane of Object.values(lanes)) lane.waiting.length = 0;
    },
  };

  const worker: JobWorker = {
    async close() {
      stopping = true;
      // Retries not yet due are dropped: their items are still in flight in the store and
      // are enqueued again at the next start.
      for (const [id, t] of timers) {
        clearTimeout(t);
        live.delete(id);
      }
      timers.clear();
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };

  return {
    kind: 'memory',
    queue,
    startWorker(hs, opts) {
      if (handlers) throw new Error('Expected one worker per in-process queue but one was already started');
      handlers = hs;
      options = opts;
      pump();
      return worker;
    },
  };
}
