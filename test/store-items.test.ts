import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ListEntry } from '../src/core/match.js';
import {
  addReview,
  batchResults,
  claimItem,
  countByStatus,
  createBatch,
  createList,
  entriesPage,
  getBatch,
  importListVersion,
  isMatchCursor,
  listMatches,
  recordResult,
  reviewsFor,
  type StoredEntry,
  type TerminalResult,
} from '../src/store/index.js';
import { asyncOf, backends, matchOf, useDb } from './store-backends.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function entries(n: number): AsyncIterable<ListEntry> {
  return asyncOf(
    Array.from({ length: n }, (_, i): ListEntry => ({
      algorithm: 'pdq',
      hash: hex(32),
      category: i % 2 ? 'odd' : 'even',
      id: `e${i}`,
      line: i + 1,
    })),
  );
}


function urlItems(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    sourceKind: 'url' as const,
    sourceLabel: `https://example.org/${i}.jpg`,
    sourceRef: `https://u:p@example.org/${i}.jpg`,
  }));
}

describe.each(backends())('store batches, items and matches on %s', (backend) => {
  const db = useDb(backend);
  let listEntries: StoredEntry[] = [];

  beforeAll(async () => {
    const list = await createList(db(), {
      name: `items-${randomBytes(4).toString('hex')}`,
      source: 's',
      kind: 'block',
      createdBy: 'admin',
    });
    await importListVersion(db(), { listId: list.id, importedBy: 'admin', format: 'f', records: entries(300) });
    listEntries = await entriesPage(db(), { listId: list.id, version: 1, limit: 300 });
  });

  it('creates a batch with its items in order, and returns the same batch for a re-delivered tip', async () => {
    const tipId = `tip-${hex(4)}`;
    const digest = { sourceKind: 'digest' as const, sourceLabel: 'md5 from tip', md5: hex(16) };
    const input = {
      submitterName: 'portal',
      kind: 'tip' as const,
      tipId,
      receivedAt: new Date(),
      items: [...urlItems(3), digest],
    };
    const first = await createBatch(db(), input);
    expect(first.created).toBe(true);
    expect(first.items.map((i) => i.seq)).toEqual([1, 2, 3, 4]);
    const again = await createBatch(db(), input);
    expect(again).toEqual({ ...first, created: false });

    const batch = await getBatch(db(), first.batchId);
    expect(batch).toMatchObject({
      kind: 'tip',
      tipId,
      itemCount: 4,
      counts: { queued: 4, processing: 0, matched: 0, no_match: 0, failed: 0 },
    });
    const claimed = await claimItem(db(), first.items[3]!.id);
    expect(claimed).toMatchObject({ sourceKind: 'digest', md5: digest.md5, sha1: null, attempts: 1 });
  });

  it('records a terminal result once: the second recording (a retried job) changes nothing', async () => {
    const { batchId, items } = await createBatch(db(), {
      submitterName: 'inv',
      kind: 'investigator',
      caseRef: 'case-1',
      receivedAt: new Date(),
      items: urlItems(2),
    });
    const item = items[0]!;
    expect(await claimItem(db(), item.id)).toMatchObject({ sourceRef: 'https://u:p@example.org/0.jpg', attempts: 1 });
    // The worker died; the retried job claims again.
    expect(await claimItem(db(), item.id)).toMatchObject({ attempts: 2 });

    const result: TerminalResult = {
      status: 'matched',
      md5: hex(16),
      sha1: hex(20),
      sha256: hex(32),
      size: 1234,
      mediaType: 'image/jpeg',
      width: 64,
      height: 48,
      hashes: [
        { algorithm: 'pdq', variant: 'pdq', hash: hex(32), quality: 100 },
        { algorithm: 'blockhash', variant: 'blockhash', hash: hex(32) },
      ],
      matches: [matchOf(listEntries[0]!, 3, 0.95), matchOf(listEntries[1]!, 12, 0.7)],
    };
    expect(await recordResult(db(), item.id, result)).toEqual({ recorded: true, status: 'matched' });
    expect(await recordResult(db(), item.id, result)).toEqual({ recorded: false, status: 'matched' });
    // Two recorders racing: exactly one wins.
    const other = items[1]!;
    const race = await Promise.all([
      recordResult(db(), other.id, result),
      recordResult(db(), other.id, { ...result, matches: [matchOf(listEntries[2]!, 0, 1)] }),
    ]);
    expect(race.filter((r) => r.recorded)).toHaveLength(1);

    expect(await db().query('SELECT count(*) AS n FROM matches WHERE item_id = $1', [item.id])).toEqual([{ n: 2 }]);
    expect(await db().query('SELECT count(*) AS n FROM item_hashes WHERE item_id = $1', [item.id])).toEqual([{ n: 2 }]);
    expect(await claimItem(db(), item.id)).toBeUndefined();
    // The fetch URL (it may carry credentials) is gone once the item is terminal.
    expect(await db().query('SELECT source_ref FROM items WHERE id = $1', [item.id])).toEqual([{ source_ref: null }]);

    const page = await batchResults(db(), batchId);
    const first = page.items[0]!;
    expect(first).toMatchObject({
      seq: 1,
      status: 'matched',
      md5: result.md5,
      size: 1234,
      mediaType: 'image/jpeg',
      attempts: 2,
      error: null,
    });
    expect(first.matches.map((m) => [m.entryId, m.distance, m.listVersion, m.externalId])).toEqual([
      [listEntries[0]!.id, 3, 1, listEntries[0]!.externalId],
      [listEntries[1]!.id, 12, 1, listEntries[1]!.externalId],
    ]);
  });

  it('records failures with their code and counts items by status', async () => {
    const { batchId, items } = await createBatch(db(), {
      submitterName: 'inv',
      kind: 'investigator',
      receivedAt: new Date(),
      items: urlItems(3),
    });
    await recordResult(db(), items[0]!.id, {
      status: 'failed',
      error: { code: 'url_refused', message: 'Refused: private address' },
      hashes: [],
      matches: [],
    });
    await recordResult(db(), items[1]!.id, { status: 'no_match', hashes: [], matches: [] });
    await claimItem(db(), items[2]!.id);
    expect(await countByStatus(db(), batchId)).toEqual({
      queued: 0,
      processing: 1,
      matched: 0,
      no_match: 1,
      failed: 1,
    });
    const { items: results } = await batchResults(db(), batchId);
    expect(results.map((r) => [r.seq, r.status, r.error?.code ?? null])).toEqual([
      [1, 'failed', 'url_refused'],
      [2, 'no_match', null],
      [3, 'processing', null],
    ]);
  });

  it('pages batch results by seq', async () => {
    const { batchId } = await createBatch(db(), {
      submitterName: 'inv',
      kind: 'investigator',
      receivedAt: new Date(),
      items: urlItems(25),
    });
    const seqs: number[] = [];
    let next: number | null = 0;
    while (next !== null) {
      const page = await batchResults(db(), batchId, { afterSeq: next, limit: 10 });
      seqs.push(...page.items.map((i) => i.seq));
      next = page.next;
    }
    expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('pages matches by keyset with filters, in id and score order, and records reviews', async () => {
    const { batchId, items } = await createBatch(db(), {
      submitterName: 'inv',
      kind: 'investigator',
      receivedAt: new Date(),
      items: urlItems(60),
    });
    for (const [i, item] of items.entries()) {
      const ms = [
        matchOf(listEntries[(i * 3) % 300]!, i % 32, ((i * 37) % 100) / 100),
        matchOf(listEntries[(i * 3 + 1) % 300]!, 5, 0.5),
      ];
      await recordResult(db(), item.id, { status: 'matched', hashes: [], matches: ms });
    }
    const all: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await listMatches(db(), { batchId, limit: 25, ...(cursor ? { cursor } : {}) });
      all.push(...page.matches.map((m) => m.id));
      if (!page.next) break;
      expect(isMatchCursor(page.next)).toBe(true);
      cursor = page.next;
    }
    expect(all).toHaveLength(120);
    expect(all).toEqual([...all].sort((a, b) => a - b));

    const byScore: Array<[number, number]> = [];
    cursor = undefined;
    for (;;) {
      const page = await listMatches(db(), {
        batchId,
        order: 'score',
        minScore: 0.4,
        limit: 7,
        ...(cursor ? { cursor } : {}),
      });
      byScore.push(...page.matches.map((m): [number, number] => [m.score, m.id]));
      if (!page.next) break;
      cursor = page.next;
    }
    const expected = (await listMatches(db(), { batchId, limit: 1000 })).matches
      .filter((m) => m.score >= 0.4)
      .map((m): [number, number] => [m.score, m.id]);
    expect(byScore).toEqual(expected.sort((a, b) => b[0] - a[0] || b[1] - a[1]));

    const odd = await listMatches(db(), { batchId, category: 'odd', limit: 1000 });
    expect(odd.matches.length).toBeGreaterThan(0);
    expect(odd.matches.every((m) => m.category === 'odd')).toBe(true);

    const target = odd.matches[0]!;
    await addReview(db(), { matchId: target.id, verdict: 'escalate', reviewer: 'ana' });
    const review = await addReview(db(), {
      matchId: target.id,
      verdict: 'false_positive',
      note: 'a logo',
      reviewer: 'ana',
    });
    expect(review).toMatchObject({ matchId: target.id, verdict: 'false_positive', note: 'a logo', reviewer: 'ana' });
    expect((await reviewsFor(db(), target.id)).map((r) => r.verdict)).toEqual(['escalate', 'false_positive']);
    const unreviewed = await listMatches(db(), { batchId, reviewed: false, limit: 1000 });
    expect(unreviewed.matches).toHaveLength(119);
    const reviewed = await listMatches(db(), { batchId, reviewed: true });
    expect(reviewed.matches.map((m) => [m.id, m.verdict])).toEqual([[target.id, 'false_positive']]);
    await expect(addReview(db(), { matchId: 99_999_999, verdict: 'confirmed', reviewer: 'ana' })).rejects.toMatchObject(
      { code: 'not_found' },
    );
  });
});
