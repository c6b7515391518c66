import { parseArgs, type ParseArgsConfig } from 'node:util';
import { invalidArgument } from '../core/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with errors turned into the catalogue's `invalid_argument`. */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw invalidArgument('a known option', 'the command line', err instanceof Error ? err.message : err);
  }
}

export function positiveInt(raw: string | undefined, what: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw invalidArgument('a positive integer', what, raw);
  return n;
}
