import { userInfo } from 'node:os';
import { loadConfig } from '../config/index.js';
import { openStore, type Db } from '../store/index.js';

/** Opens the store the settings name; tests pass an opener of their own. */
export type OpenStore = () => Promise<Db>;

export const openConfiguredStore: OpenStore = () => openStore(loadConfig());

/** Runs `fn` on an open store and closes it, whatever happens. */
export async function withStore<T>(open: OpenStore, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Who the audit log names for a change made from the shell. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // No passwd entry for the uid (some containers).
    return 'cli';
  }
}

/** Aligned columns for people reading a terminal. */
export function table(header: string[], rows: Array<Array<string | number | null>>): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return (
    cells
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
