import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../config/logger.js';
import type { HashAlgo } from '../core/hash.js';
import type { JobName, JobOutcome, JobQueue, QueueDepth } from '../queue/types.js';
import { itemStatusCounts, matchCounts, type ItemStatus, type Queryable } from '../store/index.js';

export interface ServiceMetrics {
  contentType: string;
  render(): Promise<string>;
  /** A worker reports each run of a job here. */
  observeJob(name: JobName, outcome: JobOutcome, seconds: number): void;
}

export interface MetricSources {
  db: Queryable;
  queue: JobQueue;
  /** Entries per algorithm in this process's match index (processes that run workers). */
  index?: () => Partial<Record<HashAlgo, number>>;
  logger: Logger;
}

/** What one scrape read from the store and the queue; a source that failed is undefined. */
interface Reading {
  items: Record<ItemStatus, number> | undefined;
  matches: Array<{ listId: number; algorithm: string; count: number }> | undefined;
  queue: QueueDepth | undefined;
}

/**
 * The Prometheus registry of one process. Counts that live in the store or the queue are read
 * once per scrape, one grouped query each, before the registry renders; a source that cannot
 * be read leaves its series out and shows in tiphash_metrics_source_up instead of failing the
 * whole scrape.
 */
export function createMetrics(src: MetricSources): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tiphash_' });
  let reading: Reading = { items: undefined, matches: undefined, queue: undefined };
  const read = async <T>(source: string, f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (err) {
      src.logger.debug({ err }, `metrics: reading ${source} failed`);
      return undefined;
    }
  };

  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        fill(this);
      },
    });
  gauge('tiphash_items', 'Items by status', ['status'], (g) => {
    const items = reading.items;
    if (items) for (const [status, n] of Object.entries(items)) g.set({ status }, n);
  });
  gauge('tiphash_matches', 'Matches recorded, by list and algorithm', ['list_id', 'algorithm'], (g) => {
    for (const m of reading.matches ?? []) g.set({ list_id: String(m.listId), algorithm: m.algorithm }, m.count);
  });
  gauge('tiphash_queue_jobs', 'Jobs in the queue by state', ['state'], (g) => {
    const depth = reading.queue;
    if (!depth) return;
    g.set({ state: 'waiting' }, depth.waiting);
    g.set({ state: 'active' }, depth.active);
    g.set({ state: 'delayed' }, depth.delayed);
  });
  gauge('tiphash_metrics_source_up', 'Whether each source could be read at this scrape', ['source'], (g) => {
    for (const [source, value] of Object.entries(reading)) g.set({ source }, value === undefined ? 0 : 1);
  });
  const index = src.index;
  if (index) {
    gauge(
      'tiphash_index_entries',
      "Hash list entries in this worker's match index, by algorithm",
      ['algorithm'],
      (g) => {
        for (const [algorithm, n] of Object.entries(index())) g.set({ algorithm }, n);
      },
    );
  }
  const jobs = new Histogram({
    name: 'tiphash_job_duration_seconds',
    help: 'Time one run of a job took, by job type and outcome (completed, retrying, failed)',
    labelNames: ['job', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });

  return {
    contentType: registry.contentType,
    async render() {
      const [items, matches, queue] = await Promise.all([
        read('items', () => itemStatusCounts(src.db)),
        read('matches', () => matchCounts(src.db)),
        read('queue', () => src.queue.depth()),
      ]);
      reading = { items, matches, queue };
      return registry.metrics();
    },
    observeJob: (name, outcome, seconds) => jobs.observe({ job: name, outcome }, seconds),
  };
}
