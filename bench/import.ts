/**
 * List import benchmark: generates a tiphash CSV of random PDQ hashes, then imports it as a
 * new list version into PostgreSQL (COPY, streamed) and PGlite (COPY in chunks), reporting
 * entries/s and peak RSS for each. Parsing the file is included in the time, as in a real
 * import. `npx tsx bench/import.ts [--entries N] [--backend postgres|pglite|both] [--database-url URL]`
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ListEntry } from '../src/core/match.js';
import { createList, importListVersion, migrate, openPGlite, openPostgres, type Db } from '../src/store/index.js';

const CATEGORIES = ['a', 'b', 'c', 'd'];

async function generate(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', r)));
  await write('algorithm,hash,category,id\n');
  const perChunk = 10_000;
  for (let done = 0; done < n; done += perChunk) {
    const count = Math.min(perChunk, n - done);
    const bytes = randomBytes(32 * count).toString('hex');
    let chunk = '';
    for (let i = 0; i < count; i++)
      chunk += `pdq,${bytes.slice(i * 64, i * 64 + 64)},${CATEGORIES[i % 4]},m${done + i}\n`;
    await write(chunk);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/**
 * A minimal reader for the generated file (known-good lines). Real imports go through the
 * list parser in src/lists, which validates every line.
 */
async function* readEntries(path: string): AsyncGenerator<ListEntry> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (++line === 1) continue;
    const [algorithm, hash, category, id] = text.split(',');
    yield {
      algorithm: algorithm as ListEntry['algorithm'],
      hash: hash!,
      category: category ?? null,
      id: id ?? null,
      line,
    };
  }
}

interface Result {
  bench: 'import';
  backend: Db['kind'];
  entries: number;
  seconds: number;
  entriesPerSecond: number;
  peakRssMB: number;
}

async function importInto(db: Db, path: string): Promise<Omit<Result, 'bench' | 'backend' | 'peakRssMB'>> {
  await migrate(db);
  const list = await createList(db, {
    name: `bench-${randomBytes(4).toString('hex')}`,
    source: 'bench',
    kind: 'block',
    createdBy: 'bench',
  });
  const t0 = performance.now();
  const res = await importListVersion(db, {
    listId: list.id,
    importedBy: 'bench',
    format: 'tiphash-csv',
    records: readEntries(path),
  });
  const seconds = (performance.now() - t0) / 1000;
  return { entries: res.entries, seconds: round(seconds, 2), entriesPerSecond: Math.round(res.entries / seconds) };
}

async function parseOnly(path: string): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for await (const _ of readEntries(path)) n++;
  return Math.round(n / ((performance.now() - t0) / 1000));
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      entries: { type: 'string', default: '1000000' },
      backend: { type: 'string', default: 'both' },
      'database-url': {
        type: 'string',
        default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      },
    },
  });
  const n = Number(values.entries);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`Expected a positive integer for --entries but received ${JSON.stringify(values.entries)}`);
  const backends = values.backend === 'both' ? ['postgres', 'pglite'] : [values.backend];
  const dir = await mkdtemp(join(tmpdir(), 'tiphash-bench-'));
  const results: Result[] = [];
  try {
    const path = join(dir, 'list.csv');
    await generate(path, n);
    const size = (await stat(path)).size;
    console.log(
      JSON.stringify({
        bench: 'import',
        generated: n,
        fileMB: round(size / 2 ** 20, 1),
        parseOnlyPerSecond: await parseOnly(path),
      }),
    );
    for (const backend of backends) {
      let db: Db;
      let schema: string | undefined;
      if (backend === 'postgres') {
        schema = `tiphash_bench_${randomBytes(4).toString('hex')}`;
        db = openPostgres(values['database-url'], { schema });
      } else if (backend === 'pglite') {
        db = await openPGlite();
      } else {
        throw new Error(`Expected postgres, pglite or both for --backend but received ${JSON.stringify(backend)}`);
      }
      try {
        const r: Result = {
          bench: 'import',
          backend: db.kind,
          ...(await importInto(db, path)),
          peakRssMB: peakRssMB(),
        };
        results.push(r);
        console.log(JSON.stringify(r));
      } finally {
        if (schema) await db.exec(`DROP SCHEMA ${schema} CASCADE`);
        await db.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log('\nbackend    entries     seconds  entries/s  peak RSS (MB, process)');
  for (const r of results) {
    console.log(
      `${r.backend.padEnd(10)} ${String(r.entries).padEnd(11)} ${String(r.seconds).padEnd(8)} ${String(r.entriesPerSecond).padEnd(10)} ${r.peakRssMB}`,
    );
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await run(process.argv.slice(2));
}
