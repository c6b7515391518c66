import type { Logger } from '../config/logger.js';
import type { JobQueue } from '../queue/types.js';
import { idleItemsInFlight, type Queryable } from '../store/index.js';

const PAGE = 1_000;

/**
 * Enqueues every item the store has in flight (queued or processing) and untouched for
 * `idleSeconds`. Postgres is the record and the queue only a schedule of it: if the queue
 * lost a job (Redis restarted without its data, the embedded process stopped, a job failed
 * in the queue while the database was down), the item comes back here. Job ids dedupe, so
 * an item whose job is still waiting or running is not enqueued twice. Returns how many
 * items were offered to the queue.
 */
export async function reconcile(db: Queryable, queue: JobQueue, idleSeconds: number): Promise<number> {
  let afterId = 0;
  let offered = 0;
  for (;;) {
    const ids = await idleItemsInFlight(db, { idleSeconds, afterId, limit: PAGE });
    if (ids.length > 0)
      await queue.enqueue(
        'item',
        ids.map((itemId) => ({ itemId })),
      );
    offered += ids.length;
    if (ids.length < PAGE) return offered;
    afterId = ids[ids.length - 1]!;
  }
}

/**
 * Runs `task` every `ms` (never two at once) until stopped; a failure is logged and the next
 * tick tries again. Stopping waits for a run in progress.
 */
export function every(
  ms: number,
  name: string,
  logger: Logger,
  task: () => Promise<unknown>,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= task()
      .then(
        () => undefined,
        (err: unknown) => logger.warn({ err }, `${name} failed; trying again in ${Math.round(ms / 1000)} s`),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, ms);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
