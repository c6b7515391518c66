/**
 * End-to-end benchmark (`npm run bench -- e2e [--items N]`): a batch of benign ~1 MP JPEGs
 * (edits of the ThreatExchange photos, generated in a temporary folder) through the HTTP API
 * → queue → workers → database, with a list of 1M PDQ hashes loaded (random ones plus a few
 * real ones, so some items match):
 *   - distributed: `serve --role api` + 2 `worker` processes, PostgreSQL, BullMQ on Redis;
 *   - embedded: one `serve` process, PGlite, the in-process queue;
 *   - bare: `tiphash hash` in 2 processes over the same files (the ceiling).
 * Items/s is items ÷ (last finished_at − first created_at); latency is finished_at −
 * created_at per item (the batch is submitted at once, so it includes the wait in the queue).
 * Options: --items 2000 --entries 1000000 --width 1216 --shape both|distributed|embedded
 *          --concurrency 4 (jobs per worker) --database-url URL --redis-url URL
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { hashImage } from '../src/hashing/index.js';
import { openPGlite, openPostgres, type Db } from '../src/store/index.js';
import { Client } from './e2e/api.js';
import { namedCpu, processCpu } from './e2e/cpu.js';
import { generateImages } from './e2e/images.js';
import { repoRoot, tiphash, type Proc } from './e2e/process.js';

const PHOTOS = [
  'bridge-mods/aaa-orig.jpg',
  'bridge-mods/high-contrast.jpg',
  'bridge-mods/sharpen-a-lot.jpg',
  'misc-images/modes/RGB.jpg',
  'reg-test-input/exif-rotn/exif-rotn-1.jpg',
  'reg-test-input/exif-rotn/exif-rotn-6.jpg',
  'reg-test-input/pen-and-coaster.png',
  'misc-images/c.png',
];
const UPLOADS_PER_REQUEST = 100;
const SERVERS = ['postgres', 'redis-server'];

interface Row {
  bench: 'e2e';
  shape: string;
  items: number;
  seconds: number;
  itemsPerSecond: number;
  p50Seconds?: number;
  p99Seconds?: number;
  /** From the first item created to the last: how long the uploads took to go in. */
  submitSeconds?: number;
  /** CPU per item of tiphash's own processes (api, workers; hash for bare), in ms. */
  cpuMsPerItem?: number;
  /** CPU per item of the local PostgreSQL and Redis servers in the same window (others' load included), in ms. */
  serverCpuMsPerItem?: number;
  /** CPU per item of this benchmark as the API's client (reading files, multipart, polling), on the same cores. */
  clientCpuMsPerItem?: number;
  /** cpuMsPerItem split by process. */
  byProcess?: Record<string, number>;
  statuses?: Record<string, number>;
  indexLoadSeconds?: number;
  ratio?: number;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 1M random PDQ hashes plus the real ones given, as a tiphash CSV. */
async function writeList(path: string, entries: number, real: string[]): Promise<void> {
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', r)));
  await write('algorithm,hash,category,id\n');
  for (const [i, h] of real.entries()) await write(`pdq,${h},bench-real,real-${i}\n`);
  for (let done = real.length; done < entries; done += 10_000) {
    const count = Math.min(10_000, entries - done);
    const hex = randomBytes(32 * count).toString('hex');
    let chunk = '';
    for (let i = 0; i < count; i++) chunk += `pdq,${hex.slice(i * 64, i * 64 + 64)},bench,r${done + i}\n`;
    await write(chunk);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Throughput and latency from the items' own timestamps. */
async function measure(db: Db, shape: string): Promise<Row> {
  const [r] = await db.query<{ n: number; span: number; submit: number; p50: number; p99: number }>(
    `SELECT count(*) AS n, extract(epoch FROM max(finished_at) - min(created_at))::float8 AS span,
       extract(epoch FROM max(created_at) - min(created_at))::float8 AS submit,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at))::float8 AS p50,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at))::float8 AS p99
     FROM items`,
  );
  const statuses = Object.fromEntries(
    (await db.query<{ status: string; n: number }>('SELECT status, count(*) AS n FROM items GROUP BY status')).map(
      (s) => [s.status, s.n],
    ),
  );
  return {
    bench: 'e2e',
    shape,
    items: r!.n,
    seconds: round(r!.span),
    itemsPerSecond: round(r!.n / r!.span, 1),
    p50Seconds: round(r!.p50),
    p99Seconds: round(r!.p99),
    submitSeconds: round(r!.submit),
    statuses,
  };
}

/** The last "hash lists loaded" line holding the whole list: how long the index build took. */
function indexLoadSeconds(procs: Proc[], entries: number): number | undefined {
  const times = procs.flatMap((p) =>
    [...p.output.join('').matchAll(/"entries":(\d+),"seconds":([\d.]+)/g)]
      .filter((m) => Number(m[1]) >= entries)
      .map((m) => Number(m[2])),
  );
  return times.length ? Math.max(...times) : undefined;
}

/** Entries in a process's index, from its /readyz (`ok (1 lists, 1000000 entries)`). */
async function indexedEntries(probe: string): Promise<number> {
  const r = (await (await fetch(`${probe}/readyz`)).json()) as { checks: { index?: string } };
  return Number(/ok \(\d+ lists, (\d+) entries\)/.exec(r.checks.index ?? '')?.[1] ?? 0);
}

async function waitForBatches(client: Client, ids: number[]): Promise<void> {
  for (const id of ids) while (!(await client.batchDone(id)).done) await sleep(500);
}

/** Brings a service up (`start`), loads the list, submits the files, waits, and stops it. */
async function runService(opts: {
  shape: string;
  procs: () => Promise<{ api: Proc; workers: Proc[] }>;
  adminKey: string;
  listPath: string;
  entries: number;
  images: string[];
}): Promise<ServiceCost> {
  const { api, workers } = await opts.procs();
  const all = [api, ...workers];
  try {
    const url = (await api.waitFor(/ at (http:\/\/[^\s:]+:\d+)/))[1]!;
    const admin = new Client(url, opts.adminKey);
    const t0 = performance.now();
    const list = await admin.importList(`bench-${randomBytes(3).toString('hex')}`, opts.listPath);
    process.stderr.write(
      `e2e ${opts.shape}: imported ${list.imported} entries in ${round((performance.now() - t0) / 1000, 1)} s\n`,
    );
    const probes =
      workers.length > 0
        ? await Promise.all(workers.map(async (w) => (await w.waitFor(/probes at (http:\/\/[^\s)]+)/))[1]!))
        : [url];
    for (const p of probes) while ((await indexedEntries(p)) < opts.entries) await sleep(500);
    const { key } = await admin.call<{ key: string }>('POST', '/v1/keys', {
      role: 'submitter',
      name: `bench-${randomBytes(3).toString('hex')}`,
    });
    const submitter = admin.withKey(key);
    process.stderr.write(`e2e ${opts.shape}: index ready; submitting ${opts.images.length} uploads\n`);
    const cpu = () => ({ own: all.map((p) => processCpu(p.child.pid!)), servers: namedCpu(SERVERS) });
    const before = cpu();
    const client = process.cpuUsage();
    const ids = await submitter.submitUploads(opts.images, UPLOADS_PER_REQUEST);
    await waitForBatches(admin, ids);
    const after = cpu();
    const clientUsed = process.cpuUsage(client);
    const perItem = (s: number) => round((s * 1000) / opts.images.length, 1);
    const own = after.own.map((c, i) => c - before.own[i]!);
    return {
      loadSeconds: indexLoadSeconds(all, opts.entries),
      cpuMsPerItem: perItem(own.reduce((a, b) => a + b, 0)),
      byProcess: Object.fromEntries(all.map((p, i) => [p.name, perItem(own[i]!)])),
      ...(workers.length > 0 ? { serverCpuMsPerItem: perItem(after.servers - before.servers) } : {}),
      clientCpuMsPerItem: perItem((clientUsed.user + clientUsed.system) / 1e6),
    };
  } finally {
    const codes = await Promise.all(all.map((p) => p.stop()));
    for (const [i, p] of all.entries())
      if (codes[i] !== 0)
        process.stderr.write(
          `e2e ${opts.shape}: ${p.name} exited with ${codes[i] ?? p.child.signalCode}:\n${p.output.join('').slice(-3000)}\n`,
        );
  }
}

interface ServiceCost {
  loadSeconds: number | undefined;
  cpuMsPerItem: number;
  byProcess: Record<string, number>;
  serverCpuMsPerItem?: number;
  clientCpuMsPerItem: number;
}

function costs(r: ServiceCost): Partial<Row> {
  const { loadSeconds, ...rest } = r;
  return { ...(loadSeconds === undefined ? {} : { indexLoadSeconds: loadSeconds }), ...rest };
}

async function bare(images: string[]): Promise<Row> {
  const halves = [images.filter((_, i) => i % 2 === 0), images.filter((_, i) => i % 2 === 1)];
  const t0 = performance.now();
  // Reaped children's CPU is added to this process's own cutime/cstime.
  const cpu0 = processCpu(process.pid, true) - processCpu(process.pid);
  const procs = halves.map((files, i) => tiphash(`hash-${i}`, ['hash', ...files], {}));
  const codes = await Promise.all(procs.map((p) => p.exited));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = processCpu(process.pid, true) - processCpu(process.pid) - cpu0;
  const lines = procs.reduce(
    (n, p) =>
      n +
      p.output
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{"path"')).length,
    0,
  );
  if (lines !== images.length || codes.some((c) => c !== 0))
    throw new Error(`tiphash hash: ${lines} of ${images.length} files hashed (exit ${codes.join(', ')})`);
  return {
    bench: 'e2e',
    shape: 'bare (tiphash hash ×2)',
    items: images.length,
    seconds: round(seconds),
    itemsPerSecond: round(images.length / seconds, 1),
    cpuMsPerItem: round((cpu * 1000) / images.length, 1),
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      items: { type: 'string', default: '2000' },
      entries: { type: 'string', default: '1000000' },
      width: { type: 'string', default: '1216' },
      shape: { type: 'string', default: 'both' },
      // Jobs per worker process: above the core count, so one job's database and Redis round
      // trips overlap another's hashing.
      concurrency: { type: 'string', default: '4' },
      'database-url': {
        type: 'string',
        default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      },
      'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    },
  });
  const count = (name: 'items' | 'entries' | 'width' | 'concurrency') => {
    const n = Number(values[name]);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new Error(`Expected a positive integer for --${name} but received ${JSON.stringify(values[name])}`);
    return n;
  };
  const [items, entries, width, concurrency] = [count('items'), count('entries'), count('width'), count('concurrency')];
  if (!['both', 'distributed', 'embedded'].includes(values.shape))
    throw new Error(`Expected both, distributed or embedded for --shape but received ${JSON.stringify(values.shape)}`);
  const shared = process.env.TIPHASH_SHARED ?? resolve(repoRoot(), '../shared');
  const tmp = await mkdtemp(join(tmpdir(), 'tiphash-e2e-'));
  const rows: Row[] = [];
  const emit = (r: Row) => {
    const bareRate = rows[0]?.itemsPerSecond;
    const row = bareRate === undefined ? r : { ...r, ratio: round(r.itemsPerSecond / bareRate) };
    rows.push(row);
    console.log(JSON.stringify(row));
  };
  try {
    const t0 = performance.now();
    const sources = PHOTOS.map((p) => join(shared, 'fixtures/threatexchange/pdq/data', p));
    const images = await generateImages(join(tmp, 'images'), items, { sources, width });
    process.stderr.write(
      `e2e: generated ${items} JPEGs (${width} px wide) in ${round((performance.now() - t0) / 1000, 1)} s\n`,
    );
    // Real hashes: every 50th picture, so about 2% of the items match exactly (and near edits may too).
    const real = await Promise.all(
      images.filter((_, i) => i % 50 === 0).map(async (p) => (await hashImage(p)).hashes.pdq),
    );
    const listPath = join(tmp, 'list.csv');
    await writeList(listPath, entries, real);

    const bareRow = await bare(images);
    emit(bareRow);
    const adminKey = `bench-admin-${randomBytes(24).toString('hex')}`;
    const base = {
      TIPHASH_BOOTSTRAP_ADMIN_KEY: adminKey,
      PORT: '0',
      LOG_LEVEL: 'info',
      TIPHASH_MAX_BATCH_ITEMS: String(Math.max(items, 10_000)),
      TIPHASH_WORKER_CONCURRENCY: String(concurrency),
    };

    if (values.shape !== 'embedded') {
      const dbName = `tiphash_e2e_${randomBytes(4).toString('hex')}`;
      const databaseUrl = values['database-url'].replace(/\/[^/]*$/, `/${dbName}`);
      const prefix = `tiphash-e2e-${randomBytes(4).toString('hex')}`;
      const admin = openPostgres(values['database-url'], { max: 1 });
      await admin.exec(`CREATE DATABASE ${dbName}`);
      const env = {
        ...base,
        DATABASE_URL: databaseUrl,
        REDIS_URL: values['redis-url'],
        TIPHASH_QUEUE_PREFIX: prefix,
        TIPHASH_STAGING_KEY: randomBytes(32).toString('hex'),
        TIPHASH_STAGING_DIR: join(tmp, 'staging'),
        TIPHASH_DATA_DIR: join(tmp, 'distributed'),
      };
      try {
        const r = await runService({
          shape: 'distributed',
          adminKey,
          listPath,
          entries,
          images,
          procs: async () => {
            const api = tiphash('api', ['serve', '--role', 'api'], env);
            await api.waitFor(/ at http/);
            return {
              api,
              workers: [0, 1].map((i) => tiphash(`worker-${i}`, ['worker'], { ...env, TIPHASH_WORKER_PORT: '0' })),
            };
          },
        });
        const db = openPostgres(databaseUrl, { max: 1 });
        emit({ ...(await measure(db, 'distributed (api + 2 workers, Postgres, BullMQ)')), ...costs(r) });
        await db.close();
      } finally {
        await admin.exec(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await admin.close();
        const redis = new Redis(values['redis-url']);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      }
    }

    if (values.shape !== 'distributed') {
      const dataDir = join(tmp, 'embedded');
      const r = await runService({
        shape: 'embedded',
        adminKey,
        listPath,
        entries,
        images,
        procs: () =>
          Promise.resolve({ api: tiphash('embedded', ['serve'], { ...base, TIPHASH_DATA_DIR: dataDir }), workers: [] }),
      });
      // The service has stopped: its PGlite database can be opened here for the timestamps.
      const db = await openPGlite(join(dataDir, 'db'));
      emit({ ...(await measure(db, 'embedded (1 process, PGlite, in-process queue)')), ...costs(r) });
      await db.close();
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  console.log(
    '\nshape                                              items  seconds  items/s  p50 s  p99 s  index load s  vs bare  CPU ms/item (+servers)',
  );
  for (const r of rows)
    console.log(
      `${r.shape.padEnd(50)} ${String(r.items).padStart(5)} ${String(r.seconds).padStart(8)} ${String(r.itemsPerSecond).padStart(8)} ${String(r.p50Seconds ?? '').padStart(6)} ${String(r.p99Seconds ?? '').padStart(6)} ${String(r.indexLoadSeconds ?? '').padStart(13)} ${(r.ratio ?? 1).toFixed(2).padStart(8)}  ${r.cpuMsPerItem ?? ''}${r.serverCpuMsPerItem === undefined ? '' : ` (+${r.serverCpuMsPerItem})`}`,
    );
  console.log(
    '(target: a service shape at ≥ 0.80 of the bare throughput; the machine is shared, so figures are noisy)',
  );
}
