/**
 * The job queue as the rest of tiphash sees it. Two implementations: BullMQ on Redis
 * (distributed) and an in-process queue (the embedded default), with the same semantics:
 * deterministic job ids, retries with exponential backoff from one policy table, permanent
 * failures not retried, drain on close. Jobs carry ids only, never media. Only src/queue
 * imports bullmq.
 */
import type { Logger } from '../config/logger.js';

/** Every job type and its payload. Adding one here forces a handler for it (JobHandlers). */
export interface JobPayloads {
  /** Fetch/read, hash, match and record one item. */
  item: { itemId: number };
}
export type JobName = keyof JobPayloads;

export interface JobContext {
  /** The queue's id for the job (`item-42`), for log lines. */
  jobId: string;
  /** 1 on the first try. */
  attempt: number;
  /** No retry follows this try: a transient failure must now be recorded as final. */
  lastAttempt: boolean;
  /** Aborted when the job times out (or the worker is force-closed): pass it to fetches and ffmpeg. */
  signal: AbortSignal;
  /** A child of the worker's logger carrying the job id. */
  logger: Logger;
}

/**
 * Throw to retry (with backoff, while attempts remain); throw an AppError whose `permanent`
 * is true to fail at once. Never catch and log: that silently turns retries off.
 */
export type Handler<K extends JobName> = (payload: JobPayloads[K], ctx: JobContext) => Promise<void>;
export type JobHandlers = { [K in JobName]: Handler<K> };

/** Jobs by state. Finished jobs are removed at once (their ids can be reused), so none are counted. */
export interface QueueDepth {
  waiting: number;
  active: number;
  /** Waiting for a retry's backoff to pass. */
  delayed: number;
}

export interface JobQueue {
  /**
   * Enqueues with a deterministic job id (`${name}-${id}`): while a job with that id is
   * waiting, running or delayed, enqueueing it again adds nothing.
   */
  enqueue<K extends JobName>(name: K, payloads: JobPayloads[K][]): Promise<void>;
  depth(): Promise<QueueDepth>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** How one run of a handler ended, for metrics. */
export type JobOutcome = 'completed' | 'retrying' | 'failed';

export interface WorkerOptions {
  logger: Logger;
  /** Called after every run of a handler. */
  onSettled?: (name: JobName, outcome: JobOutcome, seconds: number) => void;
}

export interface JobWorker {
  /** Idempotent: stops taking jobs, lets the ones in hand finish, closes connections. */
  close(): Promise<void>;
}

/** A queue and, for processes that run workers, the means to start one. */
export interface QueueBackend {
  readonly kind: 'bullmq' | 'memory';
  readonly queue: JobQueue;
  startWorker(handlers: JobHandlers, opts: WorkerOptions): JobWorker;
}
