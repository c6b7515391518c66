import type { ItemReport } from '../core/match.js';
import type { ItemMatcher } from '../matching/item-matcher.js';
import { processItem, type PipelineOptions } from './item.js';
import { mapOrdered, type ItemSource } from './sources.js';

/** Hashes and matches every source, `concurrency` at a time, yielding reports in input order. */
export function scanSources(
  sources: Iterable<ItemSource> | AsyncIterable<ItemSource>,
  matcher: ItemMatcher,
  opts: PipelineOptions,
  concurrency: number,
): AsyncGenerator<ItemReport> {
  return mapOrdered(sources, concurrency, (s) => processItem(s, matcher, opts));
}
