import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AppError } from '../core/errors.js';
import type { Db } from './db.js';

/**
 * The SQL files sit beside this module in the source tree. tsc does not copy them into
 * dist/, so the compiled module (dist/src/store/) looks back into src/store/.
 */
function migrationsDir(): string {
  const candidates = [
    new URL('./migrations/', import.meta.url),
    new URL('../../../src/store/migrations/', import.meta.url),
  ];
  const found = candidates.map((u) => fileURLToPath(u)).find((dir) => existsSync(dir));
  if (found === undefined)
    throw new AppError('internal', `Expected the SQL migrations beside ${fileURLToPath(import.meta.url)}`, {
      permanent: true,
    });
  return found;
}

// Any constant works; it only has to be the same in every tiphash process.
const MIGRATION_LOCK = 4_711_842_007;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(dir = migrationsDir()): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => /^\d{3}_[a-z0-9_]+\.sql$/.test(n)).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(`${dir}/${name}`, 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Applies the migrations not yet recorded in schema_migrations, in file-name order, in one
 * transaction under an advisory lock, so processes starting together apply each file once.
 * Refuses to start if an applied file has since been edited. Returns the names applied.
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations());
  return db.withTx(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // The schema name is an identifier checked by the adapter, not a value.
    if (db.schema !== undefined) await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = new Map(
      (await tx.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations')).map((r) => [
        r.name,
        r.checksum,
      ]),
    );
    const done: string[] = [];
    for (const m of all) {
      const checksum = applied.get(m.name);
      if (checksum !== undefined) {
        if (checksum !== m.checksum)
          throw new AppError(
            'internal',
            `Migration ${m.name} was edited after it was applied; add a new migration instead`,
            { permanent: true },
          );
        continue;
      }
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [m.name, m.checksum]);
      done.push(m.name);
    }
    return done;
  });
}
