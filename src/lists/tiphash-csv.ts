import { AppError } from '../core/errors.js';
import { HASH_ALGOS, isHashAlgo } from '../core/hash.js';
import { splitCsvLine } from './csv-line.js';
import { optional, rejected, shown, toItem, type ListItem } from './format.js';
import type { Line } from './lines.js';

const COLUMNS = ['algorithm', 'hash', 'category', 'id'] as const;
type Column = (typeof COLUMNS)[number];
const REQUIRED: readonly Column[] = ['algorithm', 'hash'];

/** tiphash's own CSV: a header naming the columns (algorithm and hash required), one hash per row. */
export async function* parseTiphashCsv(lines: AsyncIterable<readonly Line[]>): AsyncGenerator<ListItem> {
  let header: Header | undefined;
  for await (const batch of lines) {
    for (const { n, text } of batch) {
      if (header === undefined) {
        header = readHeader(text);
        continue;
      }
      if (text.trim() === '') continue;
      const fields = splitCsvLine(text);
      if (!Array.isArray(fields)) {
        yield rejected(n, fields.reason);
        continue;
      }
      if (fields.length !== header.width) {
        yield rejected(n, `Expected ${header.width} fields as in the header but found ${fields.length}`);
        continue;
      }
      yield row(n, fields, header.columns);
    }
  }
}

function row(n: number, fields: readonly string[], columns: ReadonlyMap<Column, number>): ListItem {
  const field = (c: Column): string | undefined => {
    const i = columns.get(c);
    return i === undefined ? undefined : fields[i];
  };
  const algorithm = (field('algorithm') ?? '').trim().toLowerCase();
  if (!isHashAlgo(algorithm)) {
    return rejected(n, `Unknown algorithm ${shown(algorithm)}; expected one of ${HASH_ALGOS.join(', ')}`);
  }
  return toItem(algorithm, field('hash') ?? '', optional(field('category')), optional(field('id')), n);
}

interface Header {
  columns: Map<Column, number>;
  width: number;
}

function readHeader(text: string): Header {
  const fields = splitCsvLine(text);
  const expected = `Expected a header naming the columns ${COLUMNS.join(',')} (category and id optional)`;
  if (!Array.isArray(fields)) throw new AppError('list_invalid', `${expected}: ${fields.reason}`);
  const columns = new Map<Column, number>();
  fields.forEach((raw, i) => {
    const name = raw.trim().toLowerCase();
    if (!(COLUMNS as readonly string[]).includes(name)) {
      throw new AppError('list_invalid', `${expected} but the header has the column ${shown(raw)}`);
    }
    if (columns.has(name as Column)) throw new AppError('list_invalid', `The header names the column "${name}" twice`);
    columns.set(name as Column, i);
  });
  const missing = REQUIRED.filter((c) => !columns.has(c));
  if (missing.length > 0) {
    throw new AppError('list_invalid', `${expected} but the header lacks ${missing.join(' and ')}`);
  }
  return { columns, width: fields.length };
}
