import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { JobQueue } from '../queue/types.js';
import type { Queryable } from '../store/index.js';
import { createMetrics } from './metrics.js';

const queue: JobQueue = {
  enqueue: () => Promise.resolve(),
  depth: () => Promise.resolve({ waiting: 4, active: 1, delayed: 2 }),
  close: () => Promise.resolve(),
};

describe('service metrics', () => {
  it('still renders when the database cannot be read, and says which source is down', async () => {
    const down = { query: () => Promise.reject(new Error('connection refused')) } as unknown as Queryable;
    const metrics = createMetrics({
      db: down,
      queue,
      index: () => ({ pdq: 10, md5: 2 }),
      logger: pino({ level: 'silent' }),
    });
    metrics.observeJob('item', 'completed', 0.2);
    metrics.observeJob('item', 'retrying', 1.5);
    const text = await metrics.render();
    expect(text).toMatch(/^tiphash_queue_jobs\{state="waiting"\} 4$/m);
    expect(text).toMatch(/^tiphash_queue_jobs\{state="delayed"\} 2$/m);
    expect(text).toMatch(/^tiphash_index_entries\{algorithm="pdq"\} 10$/m);
    expect(text).toMatch(/^tiphash_job_duration_seconds_count\{job="item",outcome="retrying"\} 1$/m);
    expect(text).not.toMatch(/^tiphash_items\{/m);
    expect(text).toMatch(/^tiphash_metrics_source_up\{source="items"\} 0$/m);
    expect(text).toMatch(/^tiphash_metrics_source_up\{source="matches"\} 0$/m);
    expect(text).toMatch(/^tiphash_metrics_source_up\{source="queue"\} 1$/m);
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });

  it('reads items by status and matches by list from the store', async () => {
    const db = {
      query: (sql: string) =>
        Promise.resolve(
          sql.includes('FROM items')
            ? [
                { status: 'matched', n: 3 },
                { status: 'failed', n: 1 },
              ]
            : [{ list_id: 7, algorithm: 'pdq', n: 3 }],
        ),
    } as unknown as Queryable;
    const text = await createMetrics({ db, queue, logger: pino({ level: 'silent' }) }).render();
    expect(text).toMatch(/^tiphash_items\{status="matched"\} 3$/m);
    expect(text).toMatch(/^tiphash_items\{status="no_match"\} 0$/m);
    expect(text).toMatch(/^tiphash_matches\{list_id="7",algorithm="pdq"\} 3$/m);
    // An api-only process has no index.
    expect(text).not.toMatch(/tiphash_index_entries/);
  });
});
