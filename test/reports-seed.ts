import { randomBytes } from 'node:crypto';
import type { ListEntry } from '../src/core/match.js';
import {
  addReview,
  createBatch,
  createList,
  entriesPage,
  importListVersion,
  recordResult,
  type Db,
  type MatchInput,
  type StoredEntry,
} from '../src/store/index.js';
import { asyncOf } from './store-backends.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

async function importVersion(db: Db, listId: number, entries: Array<Omit<ListEntry, 'line'>>): Promise<StoredEntry[]> {
  const { version } = await importListVersion(db, {
    listId,
    importedBy: 'admin-lists',
    format: 'tiphash-csv',
    records: asyncOf(entries.map((e, i) => ({ ...e, line: i + 2 }))),
  });
  return entriesPage(db, { listId, version, limit: 100 });
}

export interface Seeded {
  batchId: number;
  caseRef: string;
  itemIds: number[];
  /** The batch's matches, in the order made: [seq 1 pdq, seq 1 md5, seq 2 pdq low-quality, seq 6 vpdq]. */
  matchIds: number[];
  lists: { a: { id: number; name: string }; b: { id: number; name: string } };
  sha256: string[];
}

/**
 * A finished batch exercising every part of a report: matches against two lists, one of them
 * in two versions; a review history with a note in Thai; a low-quality match; a failed item;
 * a no-match; a digest-only item; a video match with frame shares and time ranges.
 */
export async function seedReportBatch(db: Db, submitter: { id: number; name: string }): Promise<Seeded> {
  const suffix = hex(3);
  const a = await createList(db, {
    name: `NCMEC-like ${suffix}`,
    source: 'partner feed A',
    kind: 'block',
    createdBy: 'admin-lists',
  });
  const b = await createList(db, {
    name: `Project list ${suffix}`,
    source: 'partner feed B',
    kind: 'block',
    createdBy: 'admin-lists',
  });
  const a1 = await importVersion(db, a.id, [{ algorithm: 'pdq', hash: hex(32), category: 'A1', id: 'A-100' }]);
  const a2 = await importVersion(db, a.id, [{ algorithm: 'pdq', hash: hex(32), category: 'B2', id: 'A-200' }]);
  const b1 = await importVersion(db, b.id, [
    { algorithm: 'md5', hash: hex(16), category: 'A1', id: 'B-7' },
    { algorithm: 'vpdq', hash: hex(32), category: 'A2', id: 'B-video-3' },
  ]);
  const sha256 = Array.from({ length: 6 }, () => hex(32));
  const caseRef = `CASE-${suffix} "Bangkok" <ร้าน>`;
  const created = await createBatch(db, {
    caseRef,
    submitterKeyId: submitter.id,
    submitterName: submitter.name,
    kind: 'investigator',
    receivedAt: new Date('2025-11-20T03:04:05.000Z'),
    items: [
      { sourceKind: 'upload', sourceLabel: 'IMG_0001.jpg' },
      { sourceKind: 'url', sourceLabel: 'https://example.org/pictures/2.jpg' },
      { sourceKind: 'upload', sourceLabel: 'ภาพถ่าย-เสียหาย.jpg' },
      { sourceKind: 'url', sourceLabel: 'https://example.org/4.png' },
      { sourceKind: 'digest', sourceLabel: `sha256:${sha256[4]}`, sha256: sha256[4] },
      { sourceKind: 'upload', sourceLabel: 'clip.mp4' },
    ],
  });
  const ids = created.items.map((i) => i.id);
  const m = (e: StoredEntry, over: Partial<MatchInput>): MatchInput => ({
    listId: e.listId,
    listVersion: e.version,
    entryId: e.id,
    algorithm: e.algorithm,
    distance: 0,
    quality: null,
    threshold: 0,
    category: e.category,
    via: null,
    lowConfidence: false,
    score: 100,
    ...over,
  });
  const digests = (i: number) => ({
    sha256: sha256[i],
    md5: hex(16),
    sha1: hex(20),
    size: 1000 + i,
    mediaType: 'image/jpeg',
  });
  await recordResult(db, ids[0]!, {
    status: 'matched',
    ...digests(0),
    width: 640,
    height: 480,
    hashes: [],
    matches: [
      m(a1[0]!, { distance: 4, quality: 90, threshold: 31, via: 'rot90', score: 93 }),
      m(b1[0]!, { via: 'digest' }),
    ],
  });
  await recordResult(db, ids[1]!, {
    status: 'matched',
    ...digests(1),
    hashes: [],
    matches: [m(a2[0]!, { distance: 20, quality: 30, threshold: 31, via: 'pdq', lowConfidence: true, score: 41 })],
  });
  await recordResult(db, ids[2]!, {
    status: 'failed',
    ...digests(2),
    hashes: [],
    matches: [],
    error: { code: 'corrupt_media', message: 'The JPEG ends early: truncated after 512 of 2048 bytes' },
  });
  await recordResult(db, ids[3]!, { status: 'no_match', ...digests(3), hashes: [], matches: [] });
  await recordResult(db, ids[4]!, { status: 'no_match', hashes: [], matches: [] });
  await recordResult(db, ids[5]!, {
    status: 'matched',
    ...digests(5),
    mediaType: 'video/mp4',
    hashes: [],
    matches: [
      m(b1[1]!, {
        distance: 6,
        threshold: 31,
        via: 'vpdq',
        score: 85,
        frames: {
          queryPct: 80,
          comparedPct: 75.5,
          ranges: [
            [0, 4.5],
            [62, 70],
          ],
        },
      }),
    ],
  });
  const matchIds = (
    await db.query<{ id: number }>(
      'SELECT m.id FROM matches m JOIN items i ON i.id = m.item_id WHERE i.batch_id = $1 ORDER BY m.id',
      [created.batchId],
    )
  ).map((r) => r.id);
  await addReview(db, { matchId: matchIds[0]!, verdict: 'escalate', note: null, reviewer: 'analyst-somchai' });
  await addReview(db, {
    matchId: matchIds[0]!,
    verdict: 'confirmed',
    note: 'ตรงกับภาพในบัญชี A-100 <ยืนยัน>',
    reviewer: 'analyst-malee',
  });
  await addReview(db, {
    matchId: matchIds[2]!,
    verdict: 'false_positive',
    note: 'Different picture',
    reviewer: 'analyst-malee',
  });
  return {
    batchId: created.batchId,
    caseRef,
    itemIds: ids,
    matchIds,
    lists: { a: { id: a.id, name: a.name }, b: { id: b.id, name: b.name } },
    sha256,
  };
}
