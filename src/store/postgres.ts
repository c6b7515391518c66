import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
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
import { Listener } from './pg-listener.js';

export interface PostgresOptions {
  /** Every connection runs with search_path set to this schema (created by migrate()). */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
  /** Where connection-level errors go; only the error's code and message, never query parameters. */
  onError?: (err: Error) => void;
}

const COPY_CHUNK = 256 * 1024;

const INT8_OID: number = pg.types.builtins.INT8;

/** node-postgres asks for results in text format only, so only text parsers are needed. */
function getTypeParser(oid: number): (value: string) => unknown {
  return oid === INT8_OID ? parseInt8 : (pg.types.getTypeParser(oid, 'text') as (value: string) => unknown);
}

// Per-pool parsers (not pg.types globally, which would change other pg users in the process).
const types: pg.CustomTypesConfig = { getTypeParser };

function defaultOnError(err: Error): void {
  const code = (err as { code?: unknown }).code;
  process.stderr.write(
    `tiphash store: postgres connection error${typeof code === 'string' ? ` ${code}` : ''}: ${err.message}\n`,
  );
}

async function query<T>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]): Promise<T[]> {
  const res = await client.query(sql, params === undefined ? undefined : [...params]);
  return res.rows as T[];
}

async function notify(client: pg.Pool | pg.PoolClient, channel: string, payload: string): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

async function copyFrom(
  client: pg.PoolClient,
  target: CopyTarget,
  rows: AsyncIterable<readonly CopyValue[]>,
): Promise<number> {
  const stream = client.query(copyFromStdin(copyStatement(target, 'STDIN')));
  await pipeline(Readable.from(copyChunks(rows, COPY_CHUNK)), stream);
  return stream.rowCount;
}

/** Opens a pool on `url` (e.g. postgres://postgres@127.0.0.1:5432/tiphash). Connects lazily. */
export function openPostgres(url: string, opts: PostgresOptions = {}): Db {
  const schema = opts.schema === undefined ? undefined : checkIdentifier(opts.schema, 'the database schema');
  const onError = opts.onError ?? defaultOnError;
  const clientConfig: pg.ClientConfig = {
    connectionString: url,
    types,
    connectionTimeoutMillis: 10_000,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  };
  const pool = new pg.Pool({ ...clientConfig, max: opts.max ?? 10 });
  pool.on('error', onError);
  const listener = new Listener(clientConfig, onError);
  let closing: Promise<void> | undefined;

  /** `fn` may call `discard` to have the pool drop the client instead of reusing it. */
  const withClient = async <T>(fn: (c: pg.PoolClient, discard: (err: Error) => void) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await fn(client, (err) => (broken = err));
    } finally {
      client.release(broken);
    }
  };

  return {
    kind: 'postgres',
    schema,
    query: (sql, params) => query(pool, sql, params),
    copyFrom: (target, rows) => withClient((c) => copyFrom(c, target, rows)),
    exec: async (script) => {
      await pool.query(script);
    },
    withTx: (fn) =>
      withClient(async (client, discard) => {
        await client.query('BEGIN');
        const tx: Tx = {
          inTransaction: true,
          query: (sql, params) => query(client, sql, params),
          copyFrom: (target, rows) => copyFrom(client, target, rows),
          exec: async (script) => {
            await client.query(script);
          },
          notify: (channel, payload) => notify(client, channelName(schema, channel), payload),
        };
        try {
          const result = await fn(tx);
          await client.query('COMMIT');
          return result;
        } catch (err) {
          // A connection that cannot even roll back is in an unknown state: drop it.
          await client.query('ROLLBACK').catch(discard);
          throw err;
        }
      }),
    listen: (channel, onNotify, onGap) => listener.add(channelName(schema, channel), onNotify, onGap),
    notify: (channel, payload) => notify(pool, channelName(schema, channel), payload),
    close: () => (closing ??= Promise.allSettled([listener.close(), pool.end()]).then(() => undefined)),
  };
}
