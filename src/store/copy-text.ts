import type { CopyValue } from './db.js';

/** Backslash, tab, newline and carriage return are the characters COPY's text format escapes. */
const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function field(v: CopyValue): string {
  if (v === null) return '\\N';
  if (typeof v === 'string') return SPECIAL.test(v) ? v.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : v;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  // bytea's hex input form is \x…; the backslash itself is escaped in COPY text.
  return `\\\\x${v.bytea}`;
}

/** One row in PostgreSQL's COPY text format, newline-terminated. */
export function copyLine(row: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++) line += (i === 0 ? '' : '\t') + field(row[i]!);
  return line + '\n';
}

/**
 * Joins rows into text chunks of about `chunkBytes` (counted in UTF-16 units, close enough),
 * so the drivers see a few large writes instead of a million small ones.
 */
export async function* copyChunks(
  rows: AsyncIterable<readonly CopyValue[]>,
  chunkBytes: number,
): AsyncGenerator<string> {
  let parts: string[] = [];
  let size = 0;
  for await (const row of rows) {
    const line = copyLine(row);
    parts.push(line);
    size += line.length;
    if (size >= chunkBytes) {
      yield parts.join('');
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield parts.join('');
}
