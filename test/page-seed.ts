import { randomBytes } from 'node:crypto';
import type { ListEntry } from '../src/core/match.js';
import {
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

/** `hash` with its first `bits` bits flipped: a PDQ hash at Hamming distance `bits`. */
export function flipBits(hash: string, bits: number): string {
  const b = Buffer.from(hash, 'hex');
  for (let i = 0; i < bits; i++) b[i >> 3]! ^= 0x80 >> (i & 7);
  return b.toString('hex');
}

export interface SeededItem {
  id: number;
  seq: number;
  pdq?: string;
  sha256?: string;
}

export interface Seeded {
  blockListId: number;
  allowListId: number;
  batchId: number;
  caseRef: string;
  /** The block list's entries, in import order: pdq ×3, sha256, vpdq. */
  entries: StoredEntry[];
  /** The items in seq order: pdq near-match, low-quality pdq, exact sha256, video, failed, no match, queued. */
  items: SeededItem[];
  /** Match ids by what they are. */
  matches: { pdq: number; lowQuality: number; exact: number; video: number };
}

function match(e: StoredEntry, fields: Partial<MatchInput> & Pick<MatchInput, 'distance' | 'score'>): MatchInput {
  return {
    listId: e.listId,
    listVersion: e.version,
    entryId: e.id,
    algorithm: e.algorithm,
    threshold: e.algorithm === 'pdq' || e.algorithm === 'vpdq' ? 31 : 0,
    category: e.category,
    lowConfidence: false,
    quality: null,
    via: null,
    ...fields,
  };
}

/**
 * What an analyst meets on the page: a block list, an empty allow list, and one batch whose
 * items matched by PDQ (one low quality), by digest and as a video, one failed, one did not
 * match and one is still queued (so the batch is running). Everything is metadata: no file
 * was ever read.
 */
export async function seedReview(db: Db, opts: { submitter: string; keyId?: number }): Promise<Seeded> {
  const tag = hex(3);
  const block = await createList(db, {
    name: `ncmec-test-${tag}`,
    source: 'Test feed (benign)',
    kind: 'block',
    createdBy: 'test',
  });
  const allow = await createList(db, { name: `known-fp-${tag}`, source: 'Analysts', kind: 'allow', createdBy: 'test' });
  const pdqs = [hex(32), hex(32), hex(32)];
  const sha256 = hex(32);
  const records: ListEntry[] = [
    ...pdqs.map((hash, i): ListEntry => ({
      algorithm: 'pdq',
      hash,
      category: i === 0 ? 'A1' : 'B2',
      id: `P-${i}`,
      line: i + 2,
    })),
    { algorithm: 'sha256', hash: sha256, category: 'A1', id: 'S-1', line: 5 },
    { algorithm: 'vpdq', hash: hex(32), category: 'A2', id: 'V-1', line: 6 },
  ];
  await importListVersion(db, {
    listId: block.id,
    importedBy: 'test',
    format: 'tiphash-csv',
    records: asyncOf(records),
  });
  const entries = await entriesPage(db, { listId: block.id, version: 1 });

  const caseRef = `CASE-${tag}`;
  const labels = [
    'photo-001.jpg',
    'photo-002.png',
    'https://files.example.org/a/clip.gif',
    'video-004.mp4',
    'broken-005.jpg',
    'holiday-006.jpg',
    'late-007.jpg',
  ];
  const created = await createBatch(db, {
    caseRef,
    submitterName: opts.submitter,
    submitterKeyId: opts.keyId ?? null,
    kind: 'investigator',
    receivedAt: new Date(),
    items: labels.map((sourceLabel) => ({ sourceKind: 'upload', sourceLabel, sourceRef: `staged-${hex(4)}` })),
  });
  const [near, lowQ, exact, video, failed, none, queued] = created.items;
  const itemPdq = flipBits(pdqs[0]!, 6);
  const lowPdq = flipBits(pdqs[1]!, 12);
  const digests = () => ({ md5: hex(16), sha1: hex(20), sha256: hex(32) });

  await recordResult(db, near!.id, {
    status: 'matched',
    ...digests(),
    size: 48_213,
    mediaType: 'image/jpeg',
    width: 640,
    height: 480,
    hashes: [
      { algorithm: 'pdq', variant: 'pdq', hash: itemPdq, quality: 92 },
      { algorithm: 'blockhash', variant: 'blockhash', hash: hex(32) },
    ],
    matches: [match(entries[0]!, { distance: 6, quality: 92, via: 'pdq', score: 89 })],
  });
  await recordResult(db, lowQ!.id, {
    status: 'matched',
    ...digests(),
    size: 5_120,
    mediaType: 'image/png',
    width: 64,
    height: 64,
    hashes: [{ algorithm: 'pdq', variant: 'pdq', hash: lowPdq, quality: 30 }],
    matches: [match(entries[1]!, { distance: 12, quality: 30, via: 'pdq', lowConfidence: true, score: 40 })],
  });
  await recordResult(db, exact!.id, {
    status: 'matched',
    md5: hex(16),
    sha1: hex(20),
    sha256,
    size: 1_048_576,
    mediaType: 'image/gif',
    width: 320,
    height: 200,
    hashes: [],
    matches: [match(entries[3]!, { distance: 0, score: 100, via: 'digest' })],
  });
  await recordResult(db, video!.id, {
    status: 'matched',
    ...digests(),
    size: 3_400_000,
    mediaType: 'video/mp4',
    width: 1280,
    height: 720,
    hashes: [
      { algorithm: 'vpdq', variant: 'f0', hash: hex(32), quality: 90, frameTs: 0 },
      { algorithm: 'vpdq', variant: 'f1', hash: hex(32), quality: 90, frameTs: 1 },
    ],
    matches: [
      match(entries[4]!, {
        distance: 4,
        quality: 90,
        via: 'vpdq',
        score: 83,
        frames: {
          item: [
            [2, 6.5],
            [12, 14],
          ],
          duration: 30,
          frameCount: 30,
        },
      }),
    ],
  });
  await recordResult(db, failed!.id, {
    status: 'failed',
    error: { code: 'corrupt_media', message: 'The JPEG data ends early (truncated file)' },
    hashes: [],
    matches: [],
  });
  await recordResult(db, none!.id, {
    status: 'no_match',
    ...digests(),
    size: 2_000,
    mediaType: 'image/jpeg',
    width: 10,
    height: 10,
    hashes: [],
    matches: [],
  });

  const ids = async (itemId: number) =>
    (await db.query<{ id: number }>('SELECT id FROM matches WHERE item_id = $1', [itemId])).map((r) => r.id)[0]!;
  return {
    blockListId: block.id,
    allowListId: allow.id,
    batchId: created.batchId,
    caseRef,
    entries,
    items: [
      { ...near!, pdq: itemPdq },
      { ...lowQ!, pdq: lowPdq },
      { ...exact!, sha256 },
      video!,
      failed!,
      none!,
      queued!,
    ],
    matches: {
      pdq: await ids(near!.id),
      lowQuality: await ids(lowQ!.id),
      exact: await ids(exact!.id),
      video: await ids(video!.id),
    },
  };
}
