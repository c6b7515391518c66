import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildApp } from '../src/api/app.js';
import type { AppDeps, Readiness, Staging } from '../src/api/deps.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/config/logger.js';
import { AppError } from '../src/core/errors.js';
import type { JobPayloads, JobQueue } from '../src/queue/types.js';
import type { ListEntry } from '../src/core/match.js';
import {
  createApiKey,
  createList,
  entriesPage,
  importListVersion,
  type Db,
  type Role,
  type StoredEntry,
} from '../src/store/index.js';
import { asyncOf, useDb, type Backend } from './store-backends.js';

export const WEBHOOK_SECRET = 'w'.repeat(48);

/** Records what the API enqueues; `failing` makes enqueue throw, as a queue that is down would. */
export class FakeQueue implements JobQueue {
  readonly items: number[] = [];
  failing = false;
  enqueue<K extends keyof JobPayloads>(_name: K, payloads: JobPayloads[K][]): Promise<void> {
    if (this.failing) return Promise.reject(new Error('queue down'));
    this.items.push(...payloads.map((p) => p.itemId));
    return Promise.resolve();
  }
  depth() {
    return Promise.resolve({ waiting: this.items.length, active: 0, delayed: 0, failed: 0 });
  }
  close() {
    return Promise.resolve();
  }
}

/** Writes uploads to a temporary folder in the clear: enough to see what the API staged. */
export class DirStaging implements Staging {
  constructor(readonly dir: string) {}
  async put(body: NodeJS.ReadableStream, maxBytes: number): Promise<{ key: string; size: number }> {
    const key = randomBytes(8).toString('hex');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(size > maxBytes ? new AppError('too_large', `over ${maxBytes} bytes`) : null, chunk);
      },
    });
    try {
      await pipeline(body, count, createWriteStream(join(this.dir, key)));
    } catch (err) {
      await unlink(join(this.dir, key)).catch(() => undefined);
      throw err;
    }
    return { key, size };
  }
  async remove(key: string): Promise<void> {
    await unlink(join(this.dir, key)).catch(() => undefined);
  }
  async keys(): Promise<string[]> {
    return readdir(this.dir);
  }
  async size(key: string): Promise<number> {
    return (await stat(join(this.dir, key))).size;
  }
}

export interface Api {
  app: FastifyInstance;
  db: Db;
  queue: FakeQueue;
  staging: DirStaging;
  /** Every log line the app wrote, as text. */
  logs: string[];
  /** A key of each role, and a second submitter to test ownership. */
  keys: Record<Role | 'submitter2', { id: number; key: string; name: string }>;
  auth(role: Role | 'submitter2'): { authorization: string };
  /** Moves the webhook clock. */
  clock: { now: Date };
  readiness: Readiness;
  build(env?: Record<string, string>, deps?: Partial<AppDeps>): Promise<FastifyInstance>;
}

/**
 * One app over one database for a test file's describe block (a PGlite instance per file),
 * with a key of every role. `build` makes another app on the same database with other
 * settings (e.g. a small rate limit).
 */
export function useApi(backend: Backend, env: Record<string, string> = {}): () => Api {
  const db = useDb(backend);
  let api: Api | undefined;
  const apps: FastifyInstance[] = [];
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tiphash-api-'));
    const logs: string[] = [];
    const queue = new FakeQueue();
    const staging = new DirStaging(dir);
    const clock = { now: new Date() };
    const readiness: Readiness = { ready: true, checks: { db: 'ok' } };
    const build = async (extra: Record<string, string> = {}, overrides: Partial<AppDeps> = {}) => {
      const config = loadConfig({
        TIPHASH_DATA_DIR: dir,
        TIPHASH_WEBHOOK_SECRET: WEBHOOK_SECRET,
        LOG_LEVEL: 'info',
        ...env,
        ...extra,
      });
      const deps: AppDeps = {
        config,
        logger: createLogger(config, { write: (line: string) => void logs.push(line) }),
        db: db(),
        queue,
        staging,
        ready: () => Promise.resolve(readiness),
        metrics: { contentType: 'text/plain; version=0.0.4', render: () => Promise.resolve('tiphash_items_total 0\n') },
        now: () => clock.now,
        ...overrides,
      };
      const app = await buildApp(deps);
      apps.push(app);
      return app;
    };
    const suffix = randomBytes(3).toString('hex');
    const make = async (role: Role, name: string) => {
      const k = await createApiKey(db(), { role, name: `${name}-${suffix}`, createdBy: 'test' });
      return { id: k.id, key: k.key, name: k.name };
    };
    const keys = {
      admin: await make('admin', 'admin'),
      submitter: await make('submitter', 'investigator'),
      submitter2: await make('submitter', 'investigator-2'),
      intake: await make('intake', 'portal'),
      analyst: await make('analyst', 'analyst'),
    };
    api = {
      app: await build(),
      db: db(),
      queue,
      staging,
      logs,
      keys,
      auth: (role) => ({ authorization: `Bearer ${keys[role].key}` }),
      clock,
      readiness,
      build,
    };
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (!api) throw new Error('the API is built in beforeAll');
    return api;
  };
}

/** A multipart/form-data body built by hand, so tests control every byte. */
export function multipart(parts: Array<{ name: string; value: string | Buffer; filename?: string }>): {
  payload: Buffer;
  headers: Record<string, string>;
} {
  const boundary = `----tiphash${randomBytes(6).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    const type = p.filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** No log line may carry an API key or the webhook secret. */
export function secretsInLogs(api: Api, extra: string[] = []): string[] {
  const secrets = [...Object.values(api.keys).map((k) => k.key), WEBHOOK_SECRET, ...extra];
  const text = api.logs.join('');
  return secrets.filter((s) => text.includes(s));
}

/** A block list of `n` random PDQ entries (categories a/b alternating), as stored. */
export async function seedList(db: Db, n: number): Promise<StoredEntry[]> {
  const list = await createList(db, {
    name: `seed-${randomBytes(4).toString('hex')}`,
    source: 'test feed',
    kind: 'block',
    createdBy: 'test',
  });
  const entries = Array.from({ length: n }, (_, i): ListEntry => ({
    algorithm: 'pdq',
    hash: randomBytes(32).toString('hex'),
    category: i % 2 === 0 ? 'a' : 'b',
    id: `E-${i}`,
    line: i + 2,
  }));
  await importListVersion(db, {
    listId: list.id,
    importedBy: 'test',
    format: 'tiphash-csv',
    records: asyncOf(entries),
  });
  return entriesPage(db, { listId: list.id, version: 1, limit: n });
}

export { matchOf } from './store-backends.js';

export interface ApiError {
  code: string;
  message: string;
  field?: string;
  requestId?: string;
}

export const anyString = expect.any(String) as string;
export const anyNumber = expect.any(Number) as number;

/** The `error` of an error response. */
export function errorOf(res: LightMyRequestResponse): ApiError {
  return res.json<{ error: ApiError }>().error;
}
