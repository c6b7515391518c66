/**
 * Faults, with real processes: worker processes (`node bin/tiphash.js worker`, built by
 * `npm test`) over a batch of 300 items, one killed with SIGKILL mid-batch, then Redis and
 * then PostgreSQL restarted under them. Afterwards every item is in exactly one terminal
 * state, its verdict is the one a clean run gives, and no match is duplicated. The machine's
 * Redis and PostgreSQL are left running as they were.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateImages } from '../bench/e2e/images.js';
import type { ListEntry } from '../src/core/match.js';
import { hashImage } from '../src/hashing/index.js';
import { openStaging } from '../src/intake/staging.js';
import { createHammingIndex, ListMatcher } from '../src/matching/index.js';
import { bullBackend, jobPolicies, type QueueBackend } from '../src/queue/index.js';
import { loadConfig } from '../src/config/index.js';
import {
  createBatch,
  createList,
  importListVersion,
  migrate,
  openPostgres,
  type Db,
  type NewItem,
} from '../src/store/index.js';
import {
  dropPrefix,
  quietLogger,
  REDIS_URL,
  serveFilesSlowly,
  sleep,
  uniquePrefix,
  waitFor,
  withRedis,
} from './service-helpers.js';
import { repoRoot } from './shared.js';
import { asyncOf, backends, PG_URL } from './store-backends.js';

const BIN = join(repoRoot, 'bin/tiphash.js');
const ITEMS = 300;
const run = backends().includes('postgres') && withRedis();

interface Worker {
  child: ChildProcess;
  output: string[];
  probeUrl: Promise<string>;
  exited: Promise<number | null>;
}

function pgVersion(): string {
  return execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')[0]!;
}

function redisUp(): boolean {
  try {
    return (
      execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { stdio: 'pipe' }).toString().trim() ===
      'PONG'
    );
  } catch {
    return false;
  }
}

function postgresUp(): boolean {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
    return true;
  } catch {
    return false;
  }
}

/** As .ci/run starts it: no persistence, so a restart loses every key. */
function startRedis(): void {
  execFileSync('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '--port',
    '6379',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
}

async function restartRedis(): Promise<void> {
  execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave']);
  await waitFor('Redis to stop', () => (redisUp() ? undefined : true), 10_000, 100);
  startRedis();
  await waitFor('Redis to start', () => (redisUp() ? true : undefined), 10_000, 100);
}

/** Down for a few seconds, so work in flight meets a dead database and has to retry. */
async function restartPostgres(): Promise<void> {
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', pgVersion(), 'main', 'stop']);
  await sleep(3_000);
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', pgVersion(), 'main', 'start']);
  await waitFor('PostgreSQL to accept connections', () => (postgresUp() ? true : undefined), 30_000, 200);
}

describe.skipIf(!run).sequential('faults: SIGKILL a worker, restart Redis, restart PostgreSQL', () => {
  const dbName = `tiphash_fault_${randomBytes(4).toString('hex')}`;
  const databaseUrl = PG_URL.replace(/\/[^/]*$/, `/${dbName}`);
  const prefix = uniquePrefix('faults');
  const stagingKey = randomBytes(32).toString('hex');
  const workers: Worker[] = [];
  let tmp: string;
  let admin: Db;
  let db: Db;
  let producer: QueueBackend;
  let files: Awaited<ReturnType<typeof serveFilesSlowly>>;
  let images: string[];

  const env = () => ({
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    TIPHASH_QUEUE_PREFIX: prefix,
    TIPHASH_STAGING_KEY: stagingKey,
    TIPHASH_STAGING_DIR: join(tmp, 'staging'),
    TIPHASH_DATA_DIR: join(tmp, 'data'),
    TIPHASH_WORKER_PORT: '0',
    TIPHASH_WORKER_CONCURRENCY: '2',
    TIPHASH_RECONCILE_SECONDS: '3',
    TIPHASH_FETCH_ALLOW_PRIVATE: '127.0.0.1',
    LOG_LEVEL: 'info',
  });

  const startWorker = (): Worker => {
    const child = spawn(process.execPath, [BIN, 'worker'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    let resolveProbe!: (url: string) => void;
    const probeUrl = new Promise<string>((r) => (resolveProbe = r));
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(text);
      const m = /probes at (http:\/\/[^)\s]+)/.exec(text);
      if (m) resolveProbe(m[1]!);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const w = { child, output, probeUrl, exited };
    workers.push(w);
    return w;
  };

  const ready = async (w: Worker) => {
    const url = await Promise.race([
      w.probeUrl,
      w.exited.then((code) => Promise.reject(new Error(`worker exited (${code}): ${w.output.join('')}`))),
    ]);
    await waitFor(
      'the worker to be ready',
      async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined),
      60_000,
      200,
    );
  };

  /** Terminal items so far; undefined while the database restarts. */
  const terminal = async (batchId: number): Promise<number | undefined> => {
    const rows = await db
      .query<{ n: number }>(
        `SELECT count(*) AS n FROM items WHERE batch_id = $1 AND status IN ('matched', 'no_match', 'failed')`,
        [batchId],
      )
      .catch(() => undefined);
    return rows?.[0]?.n;
  };
  const reach = (batchId: number, n: number, ms = 120_000) =>
    waitFor(
      `${n} terminal items`,
      async () => {
        const done = await terminal(batchId);
        return done !== undefined && done >= n ? done : undefined;
      },
      ms,
      100,
    );

  /** A batch of `n` URL items the file server answers only after `delayMs`, enqueued. */
  const submitSlow = async (n: number, delayMs: number) => {
    const batch = await createBatch(db, {
      submitterName: 'faults',
      kind: 'investigator',
      receivedAt: new Date(),
      items: images.slice(0, n).map((p): NewItem => ({
        sourceKind: 'url',
        sourceLabel: 'slow',
        sourceRef: `${files.url}/${p.split('/').pop()}?delay=${delayMs}`,
      })),
    });
    await producer.queue.enqueue(
      'item',
      batch.items.map((i) => ({ itemId: i.id })),
    );
    return batch;
  };
  const inHand = (batchId: number, n: number, what: string) =>
    waitFor(what, async () => {
      const [r] = await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM items WHERE batch_id = $1 AND status = 'processing'`,
        [batchId],
      );
      return r!.n === n ? true : undefined;
    });

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'tiphash-faults-'));
    admin = openPostgres(PG_URL, { max: 1 });
    await admin.exec(`CREATE DATABASE ${dbName}`);
    db = openPostgres(databaseUrl, { max: 2, onError: () => undefined });
    await migrate(db);
    producer = bullBackend({ url: REDIS_URL, prefix, policies: jobPolicies(loadConfig({})), logger: quietLogger() });
    const bridge = join(repoRoot, 'fixtures/images/bridge-256.jpg');
    images = await generateImages(join(tmp, 'images'), ITEMS, { sources: [bridge], width: 240, noiseEvery: 3 });
    files = await serveFilesSlowly(join(tmp, 'images'), 250);
  });

  afterAll(async () => {
    if (process.env.TIPHASH_TEST_DUMP)
      for (const [i, w] of workers.entries())
        await writeFile(`${process.env.TIPHASH_TEST_DUMP}-${i}.log`, w.output.join(''));
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    // Leave the machine's services as they were found, whatever happened above.
    if (!redisUp()) startRedis();
    if (!postgresUp()) execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', pgVersion(), 'main', 'start']);
    await waitFor('services', () => (redisUp() && postgresUp() ? true : undefined), 30_000, 200);
    await producer?.queue.close().catch(() => undefined);
    await files?.close();
    await db?.close();
    await admin?.exec(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin?.close();
    await dropPrefix(prefix).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  });

  it(
    'ends every item of a 300-item batch in one terminal state, with the right verdict and no duplicate match',
    { timeout: 480_000 },
    async () => {
      // The list: the bridge fixture's PDQ, so edits of it match and noise does not.
      const h = await hashImage(join(repoRoot, 'fixtures/images/bridge-256.jpg'));
      const entries: ListEntry[] = [
        { algorithm: 'pdq', hash: h.hashes.pdq, category: 'demo', id: 'bridge', line: 1 },
        ...Array.from({ length: 2000 }, (_, i): ListEntry => ({
          algorithm: 'pdq',
          hash: randomBytes(32).toString('hex'),
          category: null,
          id: `r${i}`,
          line: i + 2,
        })),
      ];
      const list = await createList(db, { name: 'faults', source: 'test', kind: 'block', createdBy: 'test' });
      await importListVersion(db, {
        listId: list.id,
        importedBy: 'test',
        format: 'tiphash-csv',
        records: asyncOf(entries),
      });
      // What a clean run decides for each picture.
      const reference = new ListMatcher(
        [{ name: 'faults', kind: 'block', dihedral: false, thresholds: {}, entries }],
        () => createHammingIndex({ impl: 'ts' }),
      );
      const expected: Array<{ verdict: string; matches: number }> = [];
      for (const p of images) {
        const r = await hashImage(p);
        const n = reference.match({ ...r.digests, ...r.hashes }).matches.length;
        expected.push({ verdict: n > 0 ? 'matched' : 'no_match', matches: n });
      }
      expect(expected.filter((e) => e.verdict === 'matched').length).toBeGreaterThan(30);
      expect(expected.filter((e) => e.verdict === 'no_match').length).toBeGreaterThan(50);

      const [a, b] = [startWorker(), startWorker()];
      await Promise.all([ready(a), ready(b)]);

      // Every third picture as an upload through the shared staging folder, the rest by URL.
      const staging = await openStaging({
        dir: join(tmp, 'staging'),
        key: Buffer.from(stagingKey, 'hex'),
        ttlHours: 24,
      });
      const items: NewItem[] = [];
      for (const [i, p] of images.entries()) {
        if (i % 3 === 0)
          items.push({
            sourceKind: 'upload',
            sourceLabel: `img-${i}.jpg`,
            sourceRef: (await staging.put(createReadStream(p), 1 << 24)).key,
          });
        else
          items.push({
            sourceKind: 'url',
            sourceLabel: `img-${i}.jpg`,
            sourceRef: `${files.url}/${p.split('/').pop()}`,
          });
      }
      const batch = await createBatch(db, {
        submitterName: 'faults',
        kind: 'investigator',
        receivedAt: new Date(),
        items,
      });
      await producer.queue.enqueue(
        'item',
        batch.items.map((i) => ({ itemId: i.id })),
      );

      // 1. SIGKILL a worker holding jobs; a replacement starts.
      expect(await reach(batch.batchId, 30)).toBeLessThan(ITEMS);
      const inHand = await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM items WHERE batch_id = $1 AND status = 'processing'`,
        [batch.batchId],
      );
      expect(inHand[0]!.n).toBeGreaterThan(0);
      a.child.kill('SIGKILL');
      await a.exited;
      const c = startWorker();

      // 2. Redis restarts empty: every waiting job is gone.
      expect(await reach(batch.batchId, 100)).toBeLessThan(ITEMS);
      await restartRedis();

      // 3. PostgreSQL restarts under the workers.
      expect(await reach(batch.batchId, 170)).toBeLessThan(ITEMS);
      await restartPostgres();

      await ready(c);
      await reach(batch.batchId, ITEMS, 300_000);

      const rows = await db.query<{
        seq: number;
        status: string;
        error_code: string | null;
        matches: number;
        distinct_matches: number;
        hashes: number;
      }>(
        `SELECT seq, status, error_code,
         (SELECT count(*) FROM matches m WHERE m.item_id = i.id) AS matches,
         (SELECT count(DISTINCT (m.entry_id, m.algorithm)) FROM matches m WHERE m.item_id = i.id) AS distinct_matches,
         (SELECT count(*) FROM item_hashes h WHERE h.item_id = i.id) AS hashes
       FROM items i WHERE batch_id = $1 ORDER BY seq`,
        [batch.batchId],
      );
      expect(rows).toHaveLength(ITEMS);
      const wrong = rows.filter(
        (r, i) =>
          r.status !== expected[i]!.verdict || r.matches !== expected[i]!.matches || r.distinct_matches !== r.matches,
      );
      expect(wrong).toEqual([]);
      // Each item hashed once: pdq, the 7 other orientations and blockhash (trimmed pdq when it had bands).
      expect(rows.filter((r) => r.hashes < 9 || r.hashes > 10)).toEqual([]);
      expect(
        (
          await db.query<{ n: number }>(
            'SELECT count(*) AS n FROM matches m JOIN items i ON i.id = m.item_id WHERE i.batch_id = $1',
            [batch.batchId],
          )
        )[0]!.n,
      ).toBe(expected.reduce((n, e) => n + e.matches, 0));
      expect(await readdir(join(tmp, 'staging'))).toEqual([]);

      const attempts = await db.query<{ attempts: number; n: number }>(
        'SELECT attempts, count(*) AS n FROM items WHERE batch_id = $1 GROUP BY attempts ORDER BY attempts',
        [batch.batchId],
      );
      process.stderr.write(
        `faults: ${ITEMS} items, ${rows.filter((r) => r.status === 'matched').length} matched; runs started per item: ${attempts.map((r) => `${r.attempts}×${r.n}`).join(', ')}\n`,
      );

      // SIGTERM drains the surviving workers: they exit 0.
      for (const w of [b, c]) w.child.kill('SIGTERM');
      expect(await Promise.all([b.exited, c.exited])).toEqual([0, 0]);
    },
  );

  it(
    'SIGKILL alone: the jobs the dead worker held are taken up again (BullMQ stalled check)',
    { timeout: 180_000 },
    async () => {
      const [a, b] = [startWorker(), startWorker()];
      await Promise.all([ready(a), ready(b)]);
      const batch = await submitSlow(6, 4000);
      await inHand(batch.batchId, 4, 'four items in hand, two per worker');
      a.child.kill('SIGKILL');
      await a.exited;
      // Redis keeps the dead worker's jobs as active until their lock expires (30 s); then the
      // surviving worker's stalled check puts them back to wait.
      await reach(batch.batchId, 6, 150_000);
      const rows = await db.query<{ status: string; matches: number; distinct_matches: number }>(
        `SELECT status, (SELECT count(*) FROM matches m WHERE m.item_id = i.id) AS matches,
         (SELECT count(DISTINCT (m.entry_id, m.algorithm)) FROM matches m WHERE m.item_id = i.id) AS distinct_matches
       FROM items i WHERE batch_id = $1`,
        [batch.batchId],
      );
      expect(
        rows.filter((r) => (r.status !== 'matched' && r.status !== 'no_match') || r.matches !== r.distinct_matches),
      ).toEqual([]);
      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
    },
  );

  it('SIGTERM lets a worker finish the item in hand before it exits', { timeout: 120_000 }, async () => {
    const w = startWorker();
    await ready(w);
    const batch = await submitSlow(2, 3000);
    await inHand(batch.batchId, 2, 'the items in hand');
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    const statuses = await db.query<{ status: string }>('SELECT status FROM items WHERE batch_id = $1', [
      batch.batchId,
    ]);
    // Both were in hand at SIGTERM and both were recorded before the process ended.
    expect(statuses.map((s) => s.status).filter((s) => s !== 'matched' && s !== 'no_match')).toEqual([]);
  });
});

describe('faults, embedded shape: SIGKILL the one process mid-batch and start it again', () => {
  it('finishes every item after the restart (the queue is rebuilt from the store)', { timeout: 240_000 }, async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'tiphash-embedded-faults-'));
    const adminKey = `admin-${randomBytes(24).toString('hex')}`;
    const env = {
      PATH: process.env.PATH ?? '',
      TIPHASH_DATA_DIR: join(tmp, 'data'),
      PORT: '0',
      TIPHASH_BOOTSTRAP_ADMIN_KEY: adminKey,
      LOG_LEVEL: 'warn',
    };
    const start = () => {
      const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const url = new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = / at (http:\/\/[^\s:]+:\d+)/.exec(err);
          if (m) resolve(m[1]!);
        });
        void exited.then((code) => reject(new Error(`serve exited (${code}): ${err}`)));
      });
      return { child, exited, url };
    };
    const call = async (base: string, method: string, path: string, key: string, body?: FormData | object) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
        },
        ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
      });
      return (await res.json()) as { key?: string; id?: number; status?: string; counts: Record<string, number> };
    };
    try {
      const images = await generateImages(join(tmp, 'images'), 150, {
        sources: [join(repoRoot, 'fixtures/images/bridge-256.jpg')],
        width: 400,
        noiseEvery: 4,
      });
      const first = start();
      const url = await first.url;
      const key = (await call(url, 'POST', '/v1/keys', adminKey, { role: 'submitter', name: 'faults' })).key!;
      const form = new FormData();
      form.append('caseRef', 'embedded-faults');
      for (const p of images) form.append('file', new Blob([await readFile(p)]), basename(p));
      const id = (await call(url, 'POST', '/v1/batches', key, form)).id!;
      await waitFor('the batch to be under way', async () => {
        const c = (await call(url, 'GET', `/v1/batches/${id}`, adminKey)).counts;
        return c.noMatch! + c.matched! >= 10 ? c : undefined;
      });
      first.child.kill('SIGKILL');
      await first.exited;

      const second = start();
      const url2 = await second.url;
      const done = await waitFor(
        'every item after the restart',
        async () => {
          const b = await call(url2, 'GET', `/v1/batches/${id}`, adminKey);
          return b.status === 'done' ? b.counts : undefined;
        },
        120_000,
        500,
      );
      expect(done.queued! + done.processing!).toBe(0);
      expect(done.matched! + done.noMatch!).toBe(150);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
