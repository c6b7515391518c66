import type { Config } from '../config/index.js';
import { AppError, isAppError } from '../core/errors.js';
import type { JobName, JobPayloads } from './types.js';

/** How one job type is run: the one place retries, backoff, timeouts and concurrency are set. */
export interface JobPolicy {
  /** The BullMQ queue the type lives in. */
  queue: string;
  /** Tries in all, the first included. */
  attempts: number;
  /** Exponential backoff: the n-th retry waits backoffMs * 2^(n-1). */
  backoffMs: number;
  /** A run taking longer is aborted (its signal fires) and counts as a transient failure. */
  timeoutMs: number;
  /** Jobs of this type one worker process runs at once. */
  concurrency: number;
  /**
   * Runs started in all, crashed ones included (a worker killed mid-job, a lost queue): past
   * this the item is failed instead of being tried again, so a file that kills workers
   * cannot loop forever. Counted in the store, so it survives the queue losing its data.
   */
  maxStarts: number;
}

export type JobPolicies = { readonly [K in JobName]: Readonly<JobPolicy> };

/** The policy table. Attempts and concurrency come from the settings; the rest is fixed here. */
export function jobPolicies(config: Pick<Config, 'worker' | 'fetch' | 'video'>): JobPolicies {
  return {
    item: {
      queue: 'items',
      attempts: config.worker.attempts,
      // 2 s, 4 s, 8 s, 16 s: long enough to ride out a database or Redis restart.
      backoffMs: 2_000,
      // A fetch may take its whole timeout, then a video its own (which fails the item with a
      // clear code first); a picture's decode is bounded by the decode limits.
      timeoutMs: config.fetch.timeoutMs + config.video.limits.timeoutSeconds * 1000 + 120_000,
      concurrency: config.worker.concurrency,
      maxStarts: config.worker.attempts * 2,
    },
  };
}

/** Each job type's natural key: a job id is `${name}-${key}`, so a repeated enqueue is one job. */
const JOB_KEYS: { [K in JobName]: (p: JobPayloads[K]) => number | string } = {
  item: (p) => p.itemId,
};

/** BullMQ forbids ':' and plain integers in custom ids. */
export function jobId<K extends JobName>(name: K, payload: JobPayloads[K]): string {
  return `${name}-${JOB_KEYS[name](payload)}`;
}

/** The wait before retrying after failed try number `attempt` (1-based), as BullMQ's exponential backoff. */
export function backoffDelay(policy: Pick<JobPolicy, 'backoffMs'>, attempt: number): number {
  return policy.backoffMs * 2 ** (attempt - 1);
}

/** Only an AppError marked permanent stops retries; anything unexpected is worth another try. */
export function isPermanent(err: unknown): boolean {
  return isAppError(err) && err.permanent;
}

export function timeoutError(policy: Pick<JobPolicy, 'timeoutMs'>): AppError {
  return new AppError('job_timeout', `The job did not finish within ${Math.round(policy.timeoutMs / 1000)} s`);
}
