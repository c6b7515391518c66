import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AppError, isAppError } from '../core/errors.js';
import type { ListEntry, RejectedLine } from '../core/match.js';
import { DETECT_BYTES, detectFormat } from './detect.js';
import { isListFormat, LIST_FORMATS, type ListFormat, type ListItem } from './format.js';
import { readLines } from './lines.js';
import { parsePlain } from './plain.js';
import { parsePytxCsv } from './pytx-csv.js';
import { parseTiphashCsv } from './tiphash-csv.js';
import { parseVics } from './vics.js';
import { parseVpdqDirectory, parseVpdqFile } from './vpdq.js';

export interface ReadListOptions {
  /** Skip detection and read the file as this format. */
  format?: ListFormat;
  /** Name used in messages; defaults to the file's base name. */
  name?: string;
}

export interface ListStream {
  name: string;
  format: ListFormat;
  /**
   * Entries and rejected lines in file order. Throws `list_empty` at the end when no entry was
   * valid, `list_invalid` when the file turns out not to be a list. Consume it to the end or
   * call `return()` so the file is closed.
   */
  items: AsyncGenerator<ListItem>;
}

export interface LoadedList {
  name: string;
  format: ListFormat;
  entries: ListEntry[];
  /** The first rejections (at most MAX_KEPT_REJECTIONS); `rejectedCount` has them all. */
  rejected: RejectedLine[];
  rejectedCount: number;
}

export const MAX_KEPT_REJECTIONS = 1000;

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Opens a hash list (a path or a byte stream, optionally gzip-compressed), detects its format
 * from the first bytes unless one is given, and streams its entries: memory stays flat
 * whatever the list's length.
 */
export async function openList(input: string | NodeJS.ReadableStream, opts: ReadListOptions = {}): Promise<ListStream> {
  const name = opts.name ?? (typeof input === 'string' ? basename(input) : 'list');
  if (opts.format !== undefined && !isListFormat(opts.format)) {
    throw new AppError(
      'invalid_argument',
      `Expected one of ${LIST_FORMATS.join(', ')} for the list format but received ${JSON.stringify(opts.format)}`,
    );
  }
  if (typeof input === 'string' && (await stat(input).catch(() => null))?.isDirectory()) {
    if (opts.format !== undefined && opts.format !== 'vpdq') {
      throw new AppError(
        'invalid_argument',
        `Expected a list file but ${name} is a directory (only vpdq lists can be directories)`,
      );
    }
    return { name, format: 'vpdq', items: counted(name, parseVpdqDirectory(input)) };
  }
  const source =
    typeof input === 'string'
      ? createReadStream(input)
      : input instanceof Readable
        ? input
        : Readable.from(input as AsyncIterable<Uint8Array>);
  let { head, rest } = await peek(source, name);
  if (GZIP_MAGIC.every((b, i) => head[i] === b)) {
    ({ head, rest } = await peek(
      pipeline(rest, createGunzip(), () => undefined),
      name,
    ));
  }
  if (isBlank(head)) {
    rest.destroy();
    throw new AppError('list_empty', `The list ${name} is empty`);
  }
  const format = opts.format ?? detectFormat(head);
  if (format === null) {
    rest.destroy();
    throw new AppError(
      'list_invalid',
      `Could not tell the format of ${name}: expected a tiphash CSV (header algorithm,hash,category,id), ` +
        `a python-threatexchange CSV (header signal_type,signal_str,…), "<algorithm> <hash>" lines, ` +
        `Project VIC JSON or a vPDQ hash file (frame,quality,pdq,timestamp lines); name the format if it is one of these (${LIST_FORMATS.join(', ')})`,
    );
  }
  return { name, format, items: counted(name, parse(format, rest, name)) };
}

/** Reads a whole list into memory, for the CLI and tests. */
export async function loadListFile(path: string, opts: ReadListOptions = {}): Promise<LoadedList> {
  const list = await openList(path, opts);
  const loaded: LoadedList = { name: list.name, format: list.format, entries: [], rejected: [], rejectedCount: 0 };
  for await (const item of list.items) {
    if (item.kind === 'entry') loaded.entries.push(item.entry);
    else if (loaded.rejectedCount++ < MAX_KEPT_REJECTIONS) loaded.rejected.push(item.rejected);
  }
  return loaded;
}

function parse(format: ListFormat, input: Readable, name: string): AsyncGenerator<ListItem> {
  switch (format) {
    case 'tiphash-csv':
      return parseTiphashCsv(readLines(input));
    case 'pytx-csv':
      return parsePytxCsv(readLines(input));
    case 'plain':
      return parsePlain(readLines(input));
    case 'vics':
      return parseVics(input);
    case 'vpdq':
      return parseVpdqFile(readLines(input), name);
  }
}

/** Passes items through, and fails at the end if none was an entry. */
async function* counted(name: string, items: AsyncGenerator<ListItem>): AsyncGenerator<ListItem> {
  let entries = 0;
  let rejections = 0;
  let first: RejectedLine | undefined;
  try {
    for await (const item of items) {
      if (item.kind === 'entry') entries++;
      else {
        rejections++;
        first ??= item.rejected;
      }
      yield item;
    }
  } catch (err) {
    throw readError(err, name);
  }
  if (entries === 0) {
    const detail = first === undefined ? '' : ` (${rejections} rejected; first, line ${first.line}: ${first.reason})`;
    throw new AppError('list_empty', `The list ${name} has no valid entry${detail}`);
  }
}

function readError(err: unknown, name: string): unknown {
  if (isAppError(err)) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new AppError('list_invalid', `The gzip data of ${name} is corrupt or truncated`, { cause: err });
  }
  return err;
}

/** Reads the first bytes for detection and hands back a stream that still starts at byte 0. */
async function peek(stream: Readable, name: string): Promise<{ head: Buffer; rest: Readable }> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array | string>;
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  try {
    while (size < DETECT_BYTES) {
      const next = await it.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      const chunk = toBuffer(next.value);
      chunks.push(chunk);
      size += chunk.length;
    }
  } catch (err) {
    throw openError(readError(err, name), name);
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      while (!ended) {
        const next = await it.next();
        if (next.done === true) return;
        yield toBuffer(next.value);
      }
    } finally {
      await it.return?.();
    }
  }
  return { head: head.subarray(0, DETECT_BYTES), rest: Readable.from(replay(), { objectMode: false }) };
}

function isBlank(head: Buffer): boolean {
  return (
    head
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim() === ''
  );
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function openError(err: unknown, name: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return new AppError('not_found', `The list file ${name} does not exist`, { cause: err });
  if (code === 'EISDIR') return new AppError('invalid_argument', `Expected a list file but ${name} is a directory`);
  return err;
}
