/**
 * Live-matcher load benchmark: imports a list of N random PDQ hashes into PostgreSQL and/or
 * PGlite, then times what a worker does at start (read every entry page by page and build
 * the Hamming index, LiveMatcher.start → ready) and on a list change (a new version imported:
 * NOTIFY → rebuild beside the matcher in use → swap), querying throughout.
 * `npx tsx bench/index-load.ts [--entries N] [--backend postgres|pglite|both] [--database-url URL] [--impl native|ts]`
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ListEntry } from '../src/core/match.js';
import { chooseKernel, createHammingIndex, type IndexImpl } from '../src/matching/index.js';
import { LiveMatcher } from '../src/matching/live-matcher.js';
import { createList, importListVersion, migrate, openPGlite, openPostgres, type Db } from '../src/store/index.js';

async function* randomEntries(n: number): AsyncGenerator<ListEntry> {
  for (let done = 0; done < n; done += 10_000) {
    const count = Math.min(10_000, n - done);
    const bytes = randomBytes(32 * count).toString('hex');
    for (let i = 0; i < count; i++)
      yield { algorithm: 'pdq', hash: bytes.slice(i * 64, i * 64 + 64), category: null, id: null, line: done + i + 1 };
    await Promise.resolve();
  }
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const rssMB = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const silent = { info: () => undefined, warn: () => undefined };

async function measure(db: Db, n: number, impl: IndexImpl | undefined) {
  await migrate(db);
  const list = await createList(db, {
    name: `load-${randomBytes(4).toString('hex')}`,
    source: 'bench',
    kind: 'block',
    createdBy: 'bench',
  });
  await importListVersion(db, {
    listId: list.id,
    importedBy: 'bench',
    format: 'tiphash-csv',
    records: randomEntries(n),
  });
  const rssBefore = rssMB();
  const t0 = performance.now();
  const live = await LiveMatcher.start({
    db,
    createIndex: () => createHammingIndex({ ...(impl ? { impl } : {}), logger: silent }),
    logger: silent,
  });
  await live.whenReady();
  const loadSeconds = (performance.now() - t0) / 1000;
  const rssLoaded = rssMB();

  // A new version while queries run: they must never find the matcher missing.
  let queries = 0;
  let polling = true;
  const probe = randomBytes(32).toString('hex');
  const poll = (async () => {
    while (polling) {
      live.matcher().match({ pdq: probe, pdqQuality: 100 });
      queries++;
      await new Promise((r) => setImmediate(r));
    }
  })();
  const t1 = performance.now();
  const v2 = (
    await importListVersion(db, {
      listId: list.id,
      importedBy: 'bench',
      format: 'tiphash-csv',
      records: randomEntries(n),
    })
  ).version;
  const imported = performance.now();
  while (live.status().lists[0]?.version !== v2) await new Promise((r) => setTimeout(r, 20));
  const swapSeconds = (performance.now() - imported) / 1000;
  polling = false;
  await poll;
  await live.close();
  return {
    entries: n,
    impl: chooseKernel(impl).kernel.impl,
    loadSeconds: round(loadSeconds),
    entriesPerSecond: Math.round(n / loadSeconds),
    rssLoadedMB: rssLoaded,
    rssGrowthMB: rssLoaded - rssBefore,
    reimportSeconds: round((imported - t1) / 1000),
    swapAfterImportSeconds: round(swapSeconds),
    queriesDuringReload: queries,
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      entries: { type: 'string', default: '1000000' },
      backend: { type: 'string', default: 'both' },
      impl: { type: 'string' },
      'database-url': {
        type: 'string',
        default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      },
    },
  });
  const n = Number(values.entries);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`Expected a positive integer for --entries but received ${JSON.stringify(values.entries)}`);
  const impl = values.impl as IndexImpl | undefined;
  if (impl !== undefined && impl !== 'ts' && impl !== 'native')
    throw new Error(`Expected native or ts for --impl but received ${JSON.stringify(impl)}`);
  const backends = values.backend === 'both' ? ['postgres', 'pglite'] : [values.backend];
  const rows: Array<Record<string, unknown>> = [];
  for (const backend of backends) {
    let db: Db;
    let cleanup: () => Promise<unknown> = () => Promise.resolve();
    if (backend === 'postgres') {
      const schema = `tiphash_bench_${randomBytes(4).toString('hex')}`;
      db = openPostgres(values['database-url'], { schema });
      const admin = openPostgres(values['database-url'], { max: 1 });
      cleanup = async () => {
        await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.close();
      };
    } else if (backend === 'pglite') {
      db = await openPGlite();
    } else {
      throw new Error(`Expected postgres, pglite or both for --backend but received ${JSON.stringify(backend)}`);
    }
    try {
      const r = { bench: 'index-load', backend, ...(await measure(db, n, impl)) };
      rows.push(r);
      console.log(JSON.stringify(r));
    } finally {
      await db.close();
      await cleanup();
    }
  }
  console.log('\nbackend    entries  load s  entries/s  RSS +MB  swap after import s  queries during reload');
  for (const r of rows)
    console.log(
      `${String(r.backend).padEnd(9)} ${String(r.entries).padStart(8)} ${String(r.loadSeconds).padStart(7)} ${String(r.entriesPerSecond).padStart(10)} ${String(r.rssGrowthMB).padStart(8)} ${String(r.swapAfterImportSeconds).padStart(20)} ${String(r.queriesDuringReload).padStart(22)}`,
    );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run(process.argv.slice(2));
