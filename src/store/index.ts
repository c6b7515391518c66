/** The store's public surface: adapters, migrations and repositories. Only src/store imports pg or PGlite. */
export type { CopyTarget, CopyValue, Db, Notify, Queryable, Tx } from './db.js';
export { openPostgres, type PostgresOptions } from './postgres.js';
export { openPGlite } from './pglite.js';
export { migrate, loadMigrations, type Migration } from './migrate.js';
export * from './lists.js';
export * from './list-import.js';
export * from './entries.js';
export * from './batches.js';
export * from './results.js';
export * from './matches.js';
export * from './reviews.js';
export * from './api-keys.js';
export * from './audit.js';
export * from './replay.js';
export * from './in-flight.js';
export { openStore } from './open.js';
export * from './allow-lists.js';
