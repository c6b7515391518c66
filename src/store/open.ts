import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { openPGlite } from './pglite.js';
import { openPostgres } from './postgres.js';

/**
 * The system of record for a configuration: Postgres when DATABASE_URL is set, else the
 * embedded PGlite database under the data directory. Migrations run before it is returned.
 */
export async function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir'>, opts: { schema?: string } = {}): Promise<Db> {
  let db: Db;
  if (config.databaseUrl !== undefined) {
    db = openPostgres(config.databaseUrl, opts.schema === undefined ? {} : { schema: opts.schema });
  } else {
    const dir = join(config.dataDir, 'db');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    db = await openPGlite(dir);
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
