import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig, type Config } from '../src/config/index.js';
import { createLogger, type Logger } from '../src/config/logger.js';
import { startService, type Service } from '../src/service/index.js';
import { openPostgres, type Db } from '../src/store/index.js';
import { backends, PG_URL } from './store-backends.js';

/** Integration tests of the service: Redis as .ci/run starts it. */
export const REDIS_URL = process.env.TIPHASH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

const redisUp = await redisReachable();

/**
 * Whether to run the Redis half of a suite. Left out only outside CI when Redis cannot be
 * reached; under CI=true it runs, so a missing Redis fails the suite instead of skipping it.
 */
export function withRedis(): boolean {
  if (redisUp || process.env.CI === 'true') return true;
  process.stderr.write(`service tests: Redis unreachable at ${REDIS_URL}; testing the in-process queue only\n`);
  return false;
}

/** A BullMQ key prefix no other test file (or run) uses. */
export function uniquePrefix(what: string): string {
  return `tiphash-test-${what}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix` (BullMQ's keys are `${prefix}:${queue}:…`). */
export async function dropPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export function quietLogger(): Logger {
  return pino({ level: process.env.TIPHASH_TEST_LOG ?? 'silent' });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined, or fails after `ms`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
  every = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

export type Shape = 'embedded' | 'distributed';

/** PGlite + the in-process queue, and Postgres + BullMQ (left out only outside CI when a server is down). */
export function shapes(): Shape[] {
  return backends().includes('postgres') && withRedis() ? ['embedded', 'distributed'] : ['embedded'];
}

export interface ServiceFixture {
  service: Service;
  config: Config;
  /** Every log line the service wrote. */
  logs: string[];
  dataDir: string;
  /** Distributed: the BullMQ key prefix and the Postgres schema. */
  prefix: string;
  schema: string | undefined;
}

/**
 * Starts the service (role all) in `shape` for the enclosing describe block: its own data
 * directory, and distributed its own Postgres schema and Redis prefix, all removed afterwards.
 */
export function useService(shape: Shape, env: Record<string, string> = {}): () => ServiceFixture {
  let fixture: ServiceFixture | undefined;
  const prefix = uniquePrefix('svc');
  const schema = shape === 'distributed' ? `tiphash_test_${randomBytes(5).toString('hex')}` : undefined;
  let dataDir: string | undefined;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tiphash-service-'));
    const config = loadConfig({
      PORT: '0',
      TIPHASH_DATA_DIR: dataDir,
      TIPHASH_QUEUE_PREFIX: prefix,
      TIPHASH_FETCH_ALLOW_PRIVATE: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...(shape === 'distributed'
        ? { DATABASE_URL: PG_URL, REDIS_URL, TIPHASH_STAGING_KEY: randomBytes(32).toString('hex') }
        : {}),
      ...env,
    });
    const logs: string[] = [];
    const logger = createLogger(config, { write: (line: string) => void logs.push(line) });
    const service = await startService({ role: 'all', config, logger, ...(schema ? { schema } : {}) });
    fixture = { service, config, logs, dataDir, prefix, schema };
  });
  // Everything is removed even if the start failed half way.
  afterAll(async () => {
    await fixture?.service.close();
    if (schema) {
      const admin = openPostgres(PG_URL, { max: 1 });
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
      await dropPrefix(prefix);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!fixture) throw new Error('the service is started in beforeAll');
    return fixture;
  };
}

export interface FileServer {
  url: string;
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** A local HTTP server for URL items: path → status and body. */
export async function serveFiles(
  routes: Record<string, { status?: number; body: Buffer | string }>,
): Promise<FileServer> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    res.writeHead(route ? (route.status ?? 200) : 404, { 'content-type': 'application/octet-stream' });
    res.end(route?.body ?? 'not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Waits until every item of a batch is terminal; returns its rows. */
export async function waitForBatch(
  db: Db,
  batchId: number,
  ms = 60_000,
): Promise<Array<{ id: number; seq: number; status: string; error_code: string | null; attempts: number }>> {
  return waitFor(
    `batch ${batchId} to finish`,
    async () => {
      const rows = await db.query<{
        id: number;
        seq: number;
        status: string;
        error_code: string | null;
        attempts: number;
      }>('SELECT id, seq, status, error_code, attempts FROM items WHERE batch_id = $1 ORDER BY seq', [batchId]);
      return rows.every((r) => ['matched', 'no_match', 'failed'].includes(r.status)) ? rows : undefined;
    },
    ms,
    100,
  );
}

/**
 * Serves the files of `dir` by name after `delayMs` (or `?delay=ms`), so a batch takes long
 * enough for faults to land in the middle of it.
 */
export async function serveFilesSlowly(dir: string, delayMs: number): Promise<FileServer> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const name = url.pathname.slice(1);
    hits.set(name, (hits.get(name) ?? 0) + 1);
    const wait = Number(url.searchParams.get('delay') ?? delayMs);
    setTimeout(() => {
      readFile(join(dir, name)).then(
        (body) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(body),
        () => res.writeHead(404).end('not found'),
      );
    }, wait);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
