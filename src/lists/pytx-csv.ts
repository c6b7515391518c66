import { AppError } from '../core/errors.js';
import type { HashAlgo } from '../core/hash.js';
import { splitCsvLine } from './csv-line.js';
import { optional, rejected, shown, toItem, type ListItem } from './format.js';
import type { Line } from './lines.js';
import { contentId, parseVpdqSignal, videoItems } from './vpdq.js';

/**
 * python-threatexchange signal types (SignalType.get_name(): the class name in snake case
 * without "Signal") that name a hash of the file's bytes or pixels tiphash computes.
 * photo_md5 is from older releases; both md5 types are plain MD5 of the file.
 */
export const PYTX_SIGNAL_TYPES: ReadonlyMap<string, HashAlgo> = new Map([
  ['pdq', 'pdq'],
  ['vpdq', 'vpdq'],
  ['video_md5', 'md5'],
  ['photo_md5', 'md5'],
  ['video_sha256', 'sha256'],
]);

/** Known signal types tiphash cannot use, with the reason a rejected line gives. */
const UNUSABLE: ReadonlyMap<string, string> = new Map([
  ['url_md5', 'url_md5 is the MD5 of a URL, not of a file'],
  ['text_md5', 'text_md5 is the MD5 of a text, not of a file'],
]);

/** The column order `threatexchange dataset -P --csv` writes, used when a file has no header. */
const DEFAULT_COLUMNS = ['signal_type', 'signal_str', 'collab', 'category', 'tags'];

/** pytx's opinion category for a signal known to produce false positives: never a match entry. */
const FALSE_POSITIVE = 'FALSE_POSITIVE';

/**
 * The CSV of `threatexchange dataset -P --csv`: a header (csv.DictWriter's writeheader), then
 * `signal_type,signal_str,collab,category,tags`. Releases differ in the column order, so it is
 * taken from the header. Without a header (only when the format is given explicitly) the
 * current order is assumed. `category` is pytx's opinion (TRUE_POSITIVE, WORTH_INVESTIGATING,
 * FALSE_POSITIVE) and is kept as the entry's category; FALSE_POSITIVE rows are rejected.
 */
export async function* parsePytxCsv(lines: AsyncIterable<readonly Line[]>): AsyncGenerator<ListItem> {
  let columns: Map<string, number> | undefined;
  let width = 0;
  for await (const batch of lines) {
    for (const { n, text } of batch) {
      if (text.trim() === '') continue;
      const fields = splitCsvLine(text);
      if (columns === undefined) {
        const header = Array.isArray(fields) ? fields.map((f) => f.trim().toLowerCase()) : [];
        const hasHeader = header.includes('signal_type') || header.includes('signal_str');
        columns = indexColumns(hasHeader ? header : DEFAULT_COLUMNS);
        width = hasHeader ? header.length : 0;
        if (hasHeader) continue;
      }
      if (!Array.isArray(fields)) {
        yield rejected(n, fields.reason);
        continue;
      }
      if (width > 0 ? fields.length !== width : fields.length < 2 || fields.length > DEFAULT_COLUMNS.length) {
        yield rejected(n, `Expected ${width || '2 to 5'} fields but found ${fields.length}`);
        continue;
      }
      yield* row(n, fields, columns);
    }
  }
}

function indexColumns(names: readonly string[]): Map<string, number> {
  const columns = new Map(names.map((name, i) => [name, i]));
  for (const required of ['signal_type', 'signal_str']) {
    if (!columns.has(required)) {
      throw new AppError('list_invalid', `Expected a python-threatexchange CSV header with ${required}`);
    }
  }
  return columns;
}

/** A row's items: one entry, a rejection, or for a vpdq signal one entry per distinct frame. */
function row(n: number, fields: readonly string[], columns: Map<string, number>): ListItem[] {
  const get = (name: string): string | undefined => {
    const i = columns.get(name);
    return i === undefined ? undefined : fields[i];
  };
  const signalType = (get('signal_type') ?? '').trim().toLowerCase();
  const algorithm = PYTX_SIGNAL_TYPES.get(signalType);
  if (algorithm === undefined) {
    return [
      rejected(n, UNUSABLE.get(signalType) ?? `Signal type ${shown(signalType)} is not a hash tiphash can match`),
    ];
  }
  const category = optional(get('category'));
  if (category?.toUpperCase() === FALSE_POSITIVE) {
    return [rejected(n, 'Marked FALSE_POSITIVE by the exchange: the signal is known to produce false positives')];
  }
  if (algorithm === 'vpdq') {
    // pytx rows carry no id: the video's id is derived from its frames, stable across exports.
    const frames = parseVpdqSignal(get('signal_str') ?? '');
    return typeof frames === 'string' ? [rejected(n, frames)] : videoItems(frames, contentId(frames), category, n);
  }
  return [toItem(algorithm, get('signal_str') ?? '', category, null, n)];
}
