import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { AppError } from '../core/errors.js';

/** No hash list line comes near this; a longer one means the file is not a list (and must not fill memory). */
export const MAX_LINE_CHARS = 1 << 20;

export interface Line {
  /** 1-based physical line number. */
  n: number;
  text: string;
}

/**
 * Reads a byte stream as lines (LF or CRLF endings, a leading UTF-8 BOM dropped), one batch per
 * chunk read: batching keeps the per-line cost of async iteration off lists of millions of lines.
 * Backpressure holds, so a list of any length is read with flat memory.
 */
export async function* readLines(input: Readable, maxLineChars = MAX_LINE_CHARS): AsyncGenerator<Line[]> {
  const decoder = new StringDecoder('utf8');
  // The unfinished last line, in pieces: joining only at a newline keeps a long line linear.
  let pending: string[] = [];
  let pendingChars = 0;
  let n = 0;
  const line = (raw: string): Line => {
    n++;
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (n === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.length > maxLineChars) throw tooLong(n, maxLineChars);
    return { n, text };
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (!text.includes('\n')) {
        pending.push(text);
        pendingChars += text.length;
        if (pendingChars > maxLineChars) throw tooLong(n + 1, maxLineChars);
        continue;
      }
      const parts = text.split('\n');
      parts[0] = pending.join('') + parts[0];
      const last = parts.pop() ?? '';
      pending = [last];
      pendingChars = last.length;
      yield parts.map(line);
    }
    const rest = pending.join('') + decoder.end();
    if (rest !== '') yield [line(rest)];
  } finally {
    input.destroy();
  }
}

function tooLong(n: number, max: number): AppError {
  return new AppError('list_invalid', `Line ${n} is longer than ${max} characters: this is not a hash list`);
}
