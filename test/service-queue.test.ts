import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../src/core/errors.js';
import {
  bullBackend,
  memoryBackend,
  type JobContext,
  type JobHandlers,
  type JobPolicies,
  type QueueBackend,
} from '../src/queue/index.js';
import { dropPrefix, quietLogger, REDIS_URL, sleep, uniquePrefix, waitFor, withRedis } from './service-helpers.js';

/** Small numbers so retries and timeouts happen within a test. */
const POLICIES: JobPolicies = {
  item: { queue: 'items', attempts: 3, backoffMs: 200, timeoutMs: 1_500, concurrency: 2, maxStarts: 6 },
};

type Kind = 'memory' | 'bullmq';
const kinds: Kind[] = withRedis() ? ['memory', 'bullmq'] : ['memory'];

interface Run {
  itemId: number;
  attempt: number;
  lastAttempt: boolean;
  at: number;
  signal: AbortSignal;
}

describe.each(kinds)('job queue: %s', (kind) => {
  const opened: Array<{ backend: QueueBackend; prefix: string }> = [];
  const open = (): QueueBackend => {
    const prefix = uniquePrefix('queue');
    const backend =
      kind === 'memory'
        ? memoryBackend(POLICIES)
        : bullBackend({ url: REDIS_URL, prefix, policies: POLICIES, logger: quietLogger() });
    opened.push({ backend, prefix });
    return backend;
  };
  afterEach(async () => {
    for (const { backend, prefix } of opened.splice(0)) {
      await backend.queue.close();
      if (kind === 'bullmq') await dropPrefix(prefix);
    }
  });

  /** Starts a worker whose handler is `fn`, recording every run. */
  const work = (backend: QueueBackend, fn: (itemId: number, ctx: JobContext) => Promise<void>) => {
    const runs: Run[] = [];
    const outcomes: string[] = [];
    const handlers: JobHandlers = {
      item: async ({ itemId }, ctx) => {
        runs.push({ itemId, attempt: ctx.attempt, lastAttempt: ctx.lastAttempt, at: Date.now(), signal: ctx.signal });
        await fn(itemId, ctx);
      },
    };
    const worker = backend.startWorker(handlers, {
      logger: quietLogger(),
      onSettled: (_n, outcome) => outcomes.push(outcome),
    });
    return { runs, outcomes, worker };
  };

  it('runs each job once, at most `concurrency` at a time, and counts depth', async () => {
    const backend = open();
    await backend.queue.enqueue(
      'item',
      [1, 2, 3, 4, 5].map((itemId) => ({ itemId })),
    );
    expect(await backend.queue.depth()).toEqual({ waiting: 5, active: 0, delayed: 0 });
    let inFlight = 0;
    let most = 0;
    const { runs, outcomes } = work(backend, async () => {
      most = Math.max(most, ++inFlight);
      await sleep(100);
      inFlight--;
    });
    await waitFor('5 completed jobs', () => (outcomes.length === 5 ? true : undefined));
    expect(runs.map((r) => r.itemId).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    expect(outcomes).toEqual(Array(5).fill('completed'));
    await waitFor('an empty queue', async () => {
      const d = await backend.queue.depth();
      return d.waiting + d.active + d.delayed === 0 ? true : undefined;
    });
  });

  it('retries a transient failure with exponential backoff, flagging the last attempt', async () => {
    const backend = open();
    const { runs, outcomes } = work(backend, (_id, ctx) =>
      ctx.attempt < 3 ? Promise.reject(new AppError('fetch_failed', 'connection reset')) : Promise.resolve(),
    );
    await backend.queue.enqueue('item', [{ itemId: 7 }]);
    await waitFor('the third try to complete', () => (outcomes.includes('completed') ? true : undefined));
    expect(runs.map((r) => [r.attempt, r.lastAttempt])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(outcomes).toEqual(['retrying', 'retrying', 'completed']);
    // 200 ms, then 400 ms (BullMQ's timers are not exact: allow it to be a little early).
    expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(180);
    expect(runs[2]!.at - runs[1]!.at).toBeGreaterThanOrEqual(380);
  });

  it('gives up after `attempts` transient failures, and at once on a permanent one', async () => {
    const backend = open();
    const { runs, outcomes } = work(backend, (itemId) =>
      Promise.reject(
        itemId === 1 ? new AppError('fetch_timeout', 'slow server') : new AppError('corrupt_media', 'not an image'),
      ),
    );
    await backend.queue.enqueue('item', [{ itemId: 1 }, { itemId: 2 }]);
    await waitFor('both jobs to fail for good', () =>
      outcomes.filter((o) => o === 'failed').length === 2 ? true : undefined,
    );
    await sleep(500);
    expect(runs.filter((r) => r.itemId === 1).map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(runs.filter((r) => r.itemId === 2).map((r) => r.attempt)).toEqual([1]);
    // A failed job leaves the queue, so its id can be enqueued again.
    await backend.queue.enqueue('item', [{ itemId: 2 }]);
    await waitFor('item 2 to run again', () => (runs.filter((r) => r.itemId === 2).length === 2 ? true : undefined));
  });

  it('dedupes by job id while a job is live, and takes the id again once it finished', async () => {
    const backend = open();
    await backend.queue.enqueue('item', [{ itemId: 9 }, { itemId: 9 }]);
    await backend.queue.enqueue('item', [{ itemId: 9 }]);
    expect((await backend.queue.depth()).waiting).toBe(1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { runs, outcomes } = work(backend, () => gate);
    await waitFor('the job to start', () => (runs.length === 1 ? true : undefined));
    await backend.queue.enqueue('item', [{ itemId: 9 }]);
    release();
    await waitFor('the job to complete', () => (outcomes.length === 1 ? true : undefined));
    await sleep(300);
    expect(runs).toHaveLength(1);
    await backend.queue.enqueue('item', [{ itemId: 9 }]);
    await waitFor('the re-enqueued job to run', () => (runs.length === 2 ? true : undefined));
  });

  it('aborts a run past its timeout and retries it as job_timeout', async () => {
    const backend = open();
    const { runs, outcomes } = work(backend, async (_id, ctx) => {
      if (ctx.attempt === 1) await new Promise((r) => setTimeout(r, 5_000));
    });
    await backend.queue.enqueue('item', [{ itemId: 3 }]);
    await waitFor('the retry to complete', () => (outcomes.includes('completed') ? true : undefined), 15_000);
    expect(runs[0]!.signal.aborted).toBe(true);
    expect((runs[0]!.signal.reason as AppError).code).toBe('job_timeout');
    expect(outcomes).toEqual(['retrying', 'completed']);
  });

  it('drains on close: jobs in hand finish, no new job starts', async () => {
    const backend = open();
    await backend.queue.enqueue(
      'item',
      [1, 2, 3, 4].map((itemId) => ({ itemId })),
    );
    const finished: number[] = [];
    const { runs, worker } = work(backend, async (itemId) => {
      await sleep(400);
      finished.push(itemId);
    });
    await waitFor('two jobs in hand', () => (runs.length === 2 ? true : undefined));
    await worker.close();
    await worker.close();
    expect(finished.sort()).toEqual(runs.map((r) => r.itemId).sort());
    expect(runs).toHaveLength(2);
    await sleep(300);
    expect(runs).toHaveLength(2);
    await backend.queue.close();
    await expect(backend.queue.enqueue('item', [{ itemId: 5 }])).rejects.toMatchObject({ code: 'not_ready' });
  });
});
