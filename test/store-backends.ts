import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { migrate, openPGlite, openPostgres, type Db, type MatchInput, type StoredEntry } from '../src/store/index.js';

/** Integration tests for the store run against both backends with the same code. */
export type Backend = 'postgres' | 'pglite';

export const PG_URL = process.env.TIPHASH_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const db = openPostgres(PG_URL, { max: 1, onError: () => undefined });
  try {
    await db.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await db.close();
  }
}

const reachable = await postgresReachable();

/**
 * Both backends; Postgres is left out only outside CI when it cannot be reached. Under
 * CI=true it stays in, so an unreachable server fails the suite instead of skipping it.
 */
export function backends(): Backend[] {
  if (reachable || process.env.CI === 'true') return ['postgres', 'pglite'];
  process.stderr.write(`store tests: PostgreSQL unreachable at ${PG_URL}; testing PGlite only\n`);
  return ['pglite'];
}

/** The store takes AsyncIterables (the list parser streams); this turns test data into one. */
export async function* asyncOf<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

/** Connection-level errors reported by the Postgres adapters the suites open (onError). */
export const connectionErrors: Error[] = [];

/**
 * Opens a migrated database for the enclosing describe block: for Postgres a fresh schema
 * (tiphash_test_<random>) dropped afterwards; for PGlite one in-memory instance (seconds
 * and hundreds of MB to start, so one per suite, never one per test).
 */
export function useDb(backend: Backend, opts: { migrate?: boolean } = {}): () => Db {
  let db: Db | undefined;
  let admin: Db | undefined;
  let schema: string | undefined;
  beforeAll(async () => {
    if (backend === 'pglite') {
      db = await openPGlite();
    } else {
      schema = `tiphash_test_${randomBytes(5).toString('hex')}`;
      admin = openPostgres(PG_URL, { max: 1 });
      await admin.exec(`CREATE SCHEMA ${schema}`);
      db = openPostgres(PG_URL, { schema, max: 4, onError: (err) => connectionErrors.push(err) });
    }
    if (opts.migrate !== false) await migrate(db);
  });
  afterAll(async () => {
    if (db) {
      await Promise.all([db.close(), db.close()]);
      await db.close();
      await expect(db.query('SELECT 1')).rejects.toThrow();
    }
    if (admin && schema) await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
    await admin?.close();
  });
  return () => {
    if (!db) throw new Error('the database is opened in beforeAll');
    return db;
  };
}

/** A PDQ match of `e` as a worker would record it, for seeding the store. */
export function matchOf(e: StoredEntry, distance: number, score: number): MatchInput {
  return {
    listId: e.listId,
    listVersion: e.version,
    entryId: e.id,
    algorithm: 'pdq',
    distance,
    quality: 90,
    threshold: 31,
    category: e.category,
    via: 'pdq',
    lowConfidence: false,
    score,
  };
}
