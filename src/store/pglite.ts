import { PGlite, types as pgliteTypes, type Transaction } from '@electric-sql/pglite';
import { copyChunks } from './copy-text.js';
import {
  channelName,
  checkIdentifier,
  copyStatement,
  parseInt8,
  type CopyTarget,
  type CopyValue,
  type Db,
  type Tx,
} from './db.js';

/**
 * PGlite reads COPY input only from a Blob handed over with the statement and cannot resume
 * a COPY across calls, so rows are sent in chunks of this many characters, one COPY each.
 * 4 MB (about 50k entries) measured best; 32 MB chunks were twice as slow.
 */
const COPY_CHUNK = 4 * 1024 * 1024;

type Runner = Pick<Transaction, 'query' | 'exec'>;

/**
 * Each chunk is COPYed into an empty temporary table and moved over with INSERT … SELECT.
 * Measured on PGlite 0.5.16: COPY straight into a growing table slows down chunk after
 * chunk (1M entries: 35 s), while COPY into an empty table plus INSERT … SELECT stays flat
 * (1M entries: 8–11 s).
 */
async function copyFrom(
  runner: Runner,
  target: CopyTarget,
  rows: AsyncIterable<readonly CopyValue[]>,
): Promise<number> {
  const table = checkIdentifier(target.table, 'a COPY table');
  const columns = target.columns.map((c) => checkIdentifier(c, 'a COPY column')).join(', ');
  const stage = checkIdentifier(`tiphash_stage_${table}`, 'a staging table');
  await runner.exec(`CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${columns} FROM ${table} WITH NO DATA`);
  let copied = 0;
  for await (const chunk of copyChunks(rows, COPY_CHUNK)) {
    await runner.query(copyStatement({ table: stage, columns: target.columns }, "'/dev/blob'"), [], {
      blob: new Blob([chunk]),
    });
    const res = await runner.query(`INSERT INTO ${table} (${columns}) SELECT ${columns} FROM ${stage}`);
    copied += res.affectedRows ?? 0;
    await runner.exec(`TRUNCATE ${stage}`);
  }
  await runner.exec(`DROP TABLE ${stage}`);
  return copied;
}

function bind(runner: Runner): Pick<Tx, 'query' | 'exec' | 'notify'> {
  return {
    notify: async (channel, payload) => {
      await runner.query('SELECT pg_notify($1, $2)', [channelName(undefined, channel), payload]);
    },
    query: async <T>(sql: string, params?: readonly unknown[]) =>
      (await runner.query<T>(sql, params === undefined ? undefined : [...params])).rows,
    exec: async (script: string) => {
      await runner.exec(script);
    },
  };
}

/**
 * Opens the embedded database: in memory when `dataDir` is undefined, else persisted in that
 * directory. One instance costs seconds and hundreds of MB: open one per process (or test file).
 */
export async function openPGlite(dataDir?: string): Promise<Db> {
  const pglite = await PGlite.create({
    ...(dataDir === undefined ? {} : { dataDir }),
    parsers: { [pgliteTypes.INT8]: parseInt8 },
  });
  let closing: Promise<void> | undefined;

  return {
    kind: 'pglite',
    schema: undefined,
    ...bind(pglite),
    // Several chunks must land together, as one COPY would on Postgres.
    copyFrom: (target, rows) => pglite.transaction((tx) => copyFrom(tx, target, rows)),
    withTx: (fn) =>
      pglite.transaction((tx) =>
        fn({ inTransaction: true, ...bind(tx), copyFrom: (target, rows) => copyFrom(tx, target, rows) }),
      ),
    // In-process: nothing can drop, so there is never a gap to report.
    listen: (channel, onNotify) =>
      pglite.listen(channelName(undefined, channel), onNotify).then((stop) => () => stop()),
    close: () => (closing ??= pglite.closed ? Promise.resolve() : pglite.close()),
  };
}
