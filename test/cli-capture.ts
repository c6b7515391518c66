/** In-process CLI helpers for tests that call a command's function rather than the binary. */
import { vi } from 'vitest';
import type { OpenStore } from '../src/cli/store-command.js';
import type { Db } from '../src/store/index.js';

/** Runs a command with stdout and stderr captured. */
export async function capture(fn: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => err.push(String(s)) > 0);
  try {
    return { code: await fn(), stdout: out.join(''), stderr: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** Commands close the store they open; this hands them the suite's database with a no-op close. */
export function suiteStore(db: () => Db): OpenStore {
  return () => Promise.resolve(Object.assign(Object.create(db()) as Db, { close: () => Promise.resolve() }));
}
