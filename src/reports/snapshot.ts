/**
 * Reads a batch's report from the store in two passes of bounded memory: the first computes
 * the digest (and the counts and list versions), so that every format can carry it before
 * its items — in the HTTP header and at the top of the document; the second replays the
 * items for the renderer.
 *
 * Both passes must give the same items without holding one transaction open for the whole
 * download (on the embedded database a transaction blocks every other writer). They do
 * because what a report shows is immutable once written — a terminal item with its
 * matches, a review, a list version — except two things the first pass pins: items still
 * queued or processing are kept as first read, and only the reviews the first pass saw are
 * shown. The replay recomputes the digest and fails loudly if it differs anyway.
 */
import { AppError } from '../core/errors.js';
import { batchResults, listLists, type Batch, type Queryable, type Review } from '../store/index.js';
import { listVersionsUsed, reviewsForMatches } from '../store/reports.js';
import { isTerminal, reportBatch, reportEnabledList, reportItem, reportListVersion, SummaryCounter } from './build.js';
import { StreamingDigest } from './digest.js';
import { REPORT_SCHEMA, type ReportHead, type ReportItem, type ReportTail } from './model.js';
import { tiphashVersion } from './version.js';

const PAGE = 500;

export interface PreparedReport {
  head: ReportHead;
  tail: ReportTail;
  /** Lowercase hex SHA-256, see ./digest.ts. */
  digest: string;
  /** The items in seq order, a page at a time, exactly as digested. */
  pages(): AsyncGenerator<ReportItem[]>;
}

interface Pins {
  /** Items that were not terminal in the first pass, by seq, as first read. */
  frozen: Map<number, ReportItem>;
  /** The ids of the reviews the first pass saw. */
  reviews: Set<number>;
}

async function* readPages(
  q: Queryable,
  batchId: number,
  pins: Pins,
  pass: 'first' | 'replay',
): AsyncGenerator<ReportItem[]> {
  let afterSeq = 0;
  for (;;) {
    const page = await batchResults(q, batchId, { afterSeq, limit: PAGE });
    const found = await reviewsForMatches(
      q,
      page.items.flatMap((i) => i.matches.map((m) => m.id)),
    );
    const reviews = new Map<number, Review[]>();
    for (const [matchId, list] of found) {
      if (pass === 'first') list.forEach((r) => pins.reviews.add(r.id));
      reviews.set(matchId, pass === 'first' ? list : list.filter((r) => pins.reviews.has(r.id)));
    }
    yield page.items.map((r) => pins.frozen.get(r.seq) ?? reportItem(r, reviews));
    if (page.next === null) return;
    afterSeq = page.next;
  }
}

export async function prepareReport(
  q: Queryable,
  batch: Batch,
  opts: { generatedBy: string; now: Date },
): Promise<PreparedReport> {
  const head: ReportHead = {
    batch: reportBatch(batch),
    generatedAt: opts.now.toISOString(),
    generatedBy: opts.generatedBy,
  };
  const pins: Pins = { frozen: new Map(), reviews: new Set() };
  const counter = new SummaryCounter();
  const versions = new Map<string, { listId: number; version: number }>();
  const first = new StreamingDigest(head);
  for await (const page of readPages(q, batch.id, pins, 'first')) {
    for (const item of page) {
      first.item(item);
      counter.add(item);
      if (!isTerminal(item)) pins.frozen.set(item.seq, item);
      for (const m of item.matches)
        versions.set(`${m.list.id}:${m.list.version}`, { listId: m.list.id, version: m.list.version });
    }
  }
  const tail: ReportTail = {
    lists: (await listVersionsUsed(q, [...versions.values()])).map(reportListVersion),
    listsEnabled: (await listLists(q, { enabledOnly: true })).map(reportEnabledList),
    schema: REPORT_SCHEMA,
    summary: counter.summary(),
    tiphashVersion: tiphashVersion(),
  };
  const digest = first.end(tail);

  async function* pages(): AsyncGenerator<ReportItem[]> {
    const again = new StreamingDigest(head);
    for await (const page of readPages(q, batch.id, pins, 'replay')) {
      page.forEach((item) => again.item(item));
      yield page;
    }
    if (again.end(tail) !== digest)
      throw new AppError(
        'internal',
        `Batch ${batch.id} changed while its report was written; generate the report again`,
      );
  }
  return { head, tail, digest, pages };
}
