import { HASH_ALGOS, isHashAlgo, type HashAlgo } from '../core/hash.js';
import { rejected, shown, toItem, type ListItem } from './format.js';
import type { Line } from './lines.js';
import { PYTX_SIGNAL_TYPES } from './pytx-csv.js';

/** A `#` at the start of a line or after whitespace starts a comment. */
export function stripComment(line: string): string {
  return line.replace(/(^|\s)#.*$/, '').trim();
}

/**
 * `<algorithm> <hash>` per line, whitespace separated. The algorithm is a tiphash name or a
 * python-threatexchange signal type, so the output of `threatexchange dataset -P -S` loads too.
 */
export async function* parsePlain(lines: AsyncIterable<readonly Line[]>): AsyncGenerator<ListItem> {
  for await (const batch of lines) {
    for (const { n, text } of batch) {
      const content = stripComment(text);
      if (content === '') continue;
      const fields = content.split(/\s+/);
      if (fields.length !== 2) {
        yield rejected(
          n,
          `Expected "<algorithm> <hash>" but found ${fields.length} field${fields.length === 1 ? '' : 's'}`,
        );
        continue;
      }
      const [name = '', hash = ''] = fields;
      const algorithm = algorithmNamed(name.toLowerCase());
      if (algorithm === undefined) {
        yield rejected(n, `Unknown algorithm ${shown(name)}; expected one of ${HASH_ALGOS.join(', ')}`);
        continue;
      }
      yield toItem(algorithm, hash, null, null, n);
    }
  }
}

function algorithmNamed(name: string): HashAlgo | undefined {
  return isHashAlgo(name) ? name : PYTX_SIGNAL_TYPES.get(name);
}
