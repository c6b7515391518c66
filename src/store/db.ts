/**
 * The one database interface the rest of tiphash sees. Two adapters implement it:
 * postgres.ts (node-postgres pool) and pglite.ts (embedded PGlite). Repositories take a
 * `Queryable` when one statement suffices, a `Tx` when they must run inside a transaction
 * the caller owns, and a `Db` when they open their own.
 */

/** A value for one column of a COPY row. `{ bytea }` carries lowercase hex for a bytea column. */
export type CopyValue = string | number | boolean | null | { bytea: string };

export interface CopyTarget {
  table: string;
  columns: readonly string[];
}

export interface Queryable {
  /** One statement; every value goes in `params` ($1, $2, …). Rows come back as plain objects. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Bulk-loads rows with COPY … FROM STDIN (text format). Postgres streams them; PGlite
   * cannot resume a COPY across calls, so it loads them in bounded chunks. Returns the
   * number of rows copied.
   */
  copyFrom(target: CopyTarget, rows: AsyncIterable<readonly CopyValue[]>): Promise<number>;
  /** A multi-statement script without parameters (migrations only). */
  exec(script: string): Promise<void>;
  /** NOTIFY; inside a transaction it is delivered only if the transaction commits. */
  notify(channel: string, payload: string): Promise<void>;
}

/** A Queryable bound to one open transaction. */
export interface Tx extends Queryable {
  readonly inTransaction: true;
}

export type Notify = (payload: string) => void;

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** The schema every statement runs in (Postgres only; undefined means the server default). */
  readonly schema: string | undefined;
  /** Runs `fn` on one connection inside BEGIN … COMMIT; rolls back if it throws. */
  withTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel`. If the listening connection is lost and
   * re-established, notifications may have been missed: `onGap` is called so the listener
   * can re-read what it follows. Resolves to a function that stops listening.
   */
  listen(channel: string, onNotify: Notify, onGap?: () => void): Promise<() => Promise<void>>;
  /** Idempotent: closes the pool or the embedded database once. */
  close(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Schema, table, column and channel names are identifiers, which Postgres cannot take as
 * parameters. They come from code, never from users, and are checked here before being
 * written into SQL.
 */
export function checkIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name) || name.length > 63) {
    throw new Error(
      `Expected a lowercase SQL identifier of at most 63 characters for ${what} but received ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** NOTIFY channels are per database; a schema gets its own so deployments sharing a database don't hear each other. */
export function channelName(schema: string | undefined, channel: string): string {
  checkIdentifier(channel, 'a channel name');
  return checkIdentifier(schema === undefined ? channel : `${schema}__${channel}`, 'a schema-scoped channel name');
}

export function copyStatement(target: CopyTarget, source: 'STDIN' | "'/dev/blob'"): string {
  const table = checkIdentifier(target.table, 'a COPY table');
  const columns = target.columns.map((c) => checkIdentifier(c, 'a COPY column')).join(', ');
  return `COPY ${table} (${columns}) FROM ${source}`;
}

/** int8 as a JS number: ids and counts stay far below 2^53, and a silent string would leak into the API. */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n))
    throw new Error(`Expected an integer below 2^53 from the database but received ${text}`);
  return n;
}
