import { cpus } from 'node:os';
import { toAppError } from '../core/errors.js';
import { hashImage } from '../hashing/index.js';
import { mapOrdered } from '../pipeline/sources.js';
import { parse, positiveInt } from './args.js';

const HELP = `Usage: tiphash hash [--exact] [--dihedral] [--squash512] [--concurrency N] FILE...

Prints one JSON object per file: path, size, md5, sha1, sha256, pdq, pdqQuality, blockhash,
plus pdqTrimmed when uniform bands were trimmed and pdqDihedral (8 hashes) with --dihedral;
or {"path","error":{"code","message"}} for a file that could not be hashed.

  --exact        full-resolution decode, bit-compatible with the PDQ reference (slower)
  --squash512    the C++ reference CLI's flavour (images over 512 px squashed to 512x512)
  --dihedral     also the 8 rotation/flip PDQ hashes, in the reference's order
  --concurrency  files hashed at once (default: number of cores)`;

export async function hashCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    exact: { type: 'boolean' },
    dihedral: { type: 'boolean' },
    squash512: { type: 'boolean' },
    concurrency: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP + '\n');
    return values.help ? 0 : 2;
  }
  const concurrency = positiveInt(values.concurrency, '--concurrency', cpus().length);
  const opts = { exact: values.exact === true, dihedral: values.dihedral === true, squash512: values.squash512 === true };
  let failed = 0;
  const lines = mapOrdered(positionals, concurrency, async (path) => {
    try {
      const r = await hashImage(path, opts);
      const { width: _w, height: _h, ...hashes } = r.hashes;
      return { path, size: r.size, ...r.digests, ...hashes };
    } catch (err) {
      failed++;
      return { path, error: toAppError(err).toJSON() };
    }
  });
  for await (const line of lines) process.stdout.write(JSON.stringify(line) + '\n');
  return failed > 0 ? 1 : 0;
}
