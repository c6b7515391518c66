import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { openList } from './read.js';

const LINES = 200_000;
const BATCH = 1000;

/** A generated tiphash CSV, produced lazily; `produced` tells how far the reader has pulled. */
function generated(): { stream: Readable; produced: () => number } {
  let produced = 0;
  function* lines(): Generator<Buffer> {
    yield Buffer.from('algorithm,hash,category,id\n');
    for (let start = 0; start < LINES; start += BATCH) {
      let text = '';
      for (let i = start; i < start + BATCH; i++) {
        text +=
          i % 2 === 0
            ? `md5,${i.toString(16).padStart(32, '0')},c${i % 7},\n`
            : `pdq,${i.toString(16).padStart(64, 'a')},,id${i}\n`;
      }
      produced += BATCH;
      yield Buffer.from(text);
    }
  }
  return { stream: Readable.from(lines(), { objectMode: false }), produced: () => produced };
}

it('streams a 200k-line list, reading only a little ahead of the consumer', async () => {
  const { stream, produced } = generated();
  const list = await openList(stream, { name: 'generated' });
  let entries = 0;
  let last = '';
  let readAhead = 0;
  const started = performance.now();
  for await (const item of list.items) {
    if (item.kind !== 'entry') throw new Error(`unexpected rejection: ${item.rejected.reason}`);
    entries++;
    last = item.entry.hash;
    if (entries % 10_000 === 0) readAhead = Math.max(readAhead, produced() - entries);
  }
  const seconds = (performance.now() - started) / 1000;
  expect(entries).toBe(LINES);
  expect(last).toBe((LINES - 1).toString(16).padStart(64, 'a'));
  // Flat memory: the reader never holds more than a few batches of the file.
  expect(readAhead).toBeLessThan(20 * BATCH);
  console.info(
    `lists: ${LINES} lines in ${seconds.toFixed(2)} s (${Math.round(LINES / seconds)} entries/s), read-ahead ≤ ${readAhead} lines`,
  );
});
