import { opendir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../core/errors.js';

export type ItemSource = { kind: 'file'; path: string } | { kind: 'url'; url: string };

export function sourceLabel(s: ItemSource): string {
  return s.kind === 'file' ? s.path : s.url;
}

const URL_PREFIX = /^https?:\/\//i;

/**
 * Expands the command line's sources: a file stays a file, a directory is walked
 * recursively (symlinked directories are not followed, so a loop cannot hang a scan),
 * an http(s) URL stays a URL. Files come out in a stable, sorted order.
 */
export async function* expandSources(args: string[]): AsyncGenerator<ItemSource> {
  for (const arg of args) {
    if (URL_PREFIX.test(arg)) {
      yield { kind: 'url', url: arg };
      continue;
    }
    let st;
    try {
      st = await stat(arg);
    } catch {
      // A missing source still becomes an item, so it shows in the report as failed.
      yield { kind: 'file', path: arg };
      continue;
    }
    if (st.isDirectory()) yield* walk(arg);
    else yield { kind: 'file', path: arg };
  }
}

async function* walk(dir: string): AsyncGenerator<ItemSource> {
  let handle;
  try {
    handle = await opendir(dir);
  } catch (err) {
    throw new AppError('unreadable', `Cannot read the folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const files: string[] = [];
  const dirs: string[] = [];
  for await (const d of handle) {
    const p = join(dir, d.name);
    if (d.isDirectory()) dirs.push(p);
    else if (d.isFile()) files.push(p);
    else if (d.isSymbolicLink()) {
      const target = await stat(p).catch(() => null);
      if (target === null || target.isFile()) files.push(p); // a dangling link is reported as unreadable
    }
  }
  files.sort();
  dirs.sort();
  for (const f of files) yield { kind: 'file', path: f };
  for (const d of dirs) yield* walk(d);
}

/** Reads a file of reported URLs: one per line, blank lines and `#` comments ignored. */
export async function readUrlFile(path: string): Promise<ItemSource[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AppError('unreadable', `Cannot read the URL file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((url) => ({ kind: 'url' as const, url }));
}

/**
 * Runs `fn` over `items` with at most `concurrency` in flight, delivering results in input
 * order. `fn` must not reject (item failures are values), or a later rejection goes unhandled.
 */
export async function* mapOrdered<T, R>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const inflight: Promise<R>[] = [];
  for await (const item of items) {
    inflight.push(fn(item));
    if (inflight.length >= concurrency) yield await inflight.shift()!;
  }
  while (inflight.length > 0) yield await inflight.shift()!;
}
