import type { ListEntry, RejectedLine } from '../core/match.js';
import type { ListItem } from './format.js';
import { MAX_KEPT_REJECTIONS } from './read.js';

/**
 * Turns a list's items into what the store's import takes, keeping the first rejected
 * lines in `kept` (for the report) while the store counts them all.
 */
export async function* importRecords(
  items: AsyncIterable<ListItem>,
  kept: RejectedLine[],
  keep = MAX_KEPT_REJECTIONS,
): AsyncGenerator<ListEntry | RejectedLine> {
  for await (const item of items) {
    if (item.kind === 'entry') {
      yield item.entry;
    } else {
      if (kept.length < keep) kept.push(item.rejected);
      yield item.rejected;
    }
  }
}
