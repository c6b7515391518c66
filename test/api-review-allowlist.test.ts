import { beforeAll, describe, expect, it } from 'vitest';
import { createHammingIndex } from '../src/matching/index.js';
import { LiveMatcher } from '../src/matching/live-matcher.js';
import { createBatch, createList, listAudit, recordResult, setListEnabled, type Db } from '../src/store/index.js';
import { errorOf, useApi } from './api-helpers.js';
import { seedReview, type Seeded } from './page-seed.js';
import { quietLogger, waitFor } from './service-helpers.js';
import { backends } from './store-backends.js';

interface AllowListView {
  listId: number;
  listName: string;
  version: number;
  algorithm: string;
  added: number;
  alreadyListed: boolean;
}

function startMatcher(db: Db): Promise<LiveMatcher> {
  return LiveMatcher.start({
    db,
    createIndex: () => createHammingIndex({ impl: 'ts' }),
    logger: quietLogger(),
    debounceMs: 20,
  });
}

async function allowEntries(db: Db, listId: number, version: number) {
  return db.query<{
    algorithm: string;
    hash: string;
    external_id: string | null;
    added_by: string | null;
    added_note: string | null;
    dated: boolean;
  }>(
    `SELECT algorithm, encode(hash, 'hex') AS hash, external_id, added_by, added_note, added_at IS NOT NULL AS dated
     FROM hash_entries WHERE list_id = $1 AND version = $2 ORDER BY id`,
    [listId, version],
  );
}

async function counts(db: Db, listId: number) {
  const [r] = await db.query<{ reviews: number; versions: number; audit: number }>(
    `SELECT (SELECT count(*)::int FROM reviews) AS reviews,
            (SELECT count(*)::int FROM list_versions WHERE list_id = $1) AS versions,
            (SELECT count(*)::int FROM audit_log) AS audit`,
    [listId],
  );
  return r!;
}

describe.each(backends())('the review loop: false positives into allow lists, on %s', (backend) => {
  const api = useApi(backend);
  let seeded: Seeded;
  let allowName = '';

  beforeAll(async () => {
    seeded = await seedReview(api().db, { submitter: api().keys.submitter.name, keyId: api().keys.submitter.id });
    allowName = (
      await api().db.query<{ name: string }>('SELECT name FROM hash_lists WHERE id = $1', [seeded.allowListId])
    )[0]!.name;
  });

  const review = (matchId: number, payload: object) =>
    api().app.inject({ method: 'POST', url: `/v1/matches/${matchId}/review`, headers: api().auth('analyst'), payload });

  it('adds the matched PDQ hash with the analyst and note; once workers reload, the item no longer matches', async () => {
    const { db } = api();
    const live = await startMatcher(db);
    try {
      await live.whenReady();
      const item = { pdq: seeded.items[0]!.pdq!, pdqQuality: 92 };
      const before = live.matcher().match(item);
      expect(before.matches.map((m) => [m.entryKey, m.distance])).toEqual([[seeded.entries[0]!.id, 6]]);
      expect(before.allowListed).toBeUndefined();

      const note = 'a bridge at dusk, not the listed picture';
      const res = await review(seeded.matches.pdq, {
        verdict: 'false_positive',
        note,
        allowListId: seeded.allowListId,
      });
      expect(res.statusCode).toBe(201);
      const body = res.json<{
        id: number;
        verdict: string;
        note: string;
        reviewer: string;
        allowList: AllowListView;
      }>();
      const analyst = api().keys.analyst.name;
      expect(body).toMatchObject({ verdict: 'false_positive', note, reviewer: analyst });
      expect(body.allowList).toEqual({
        listId: seeded.allowListId,
        listName: allowName,
        version: 1,
        algorithm: 'pdq',
        added: 1,
        alreadyListed: false,
      });
      expect(await allowEntries(db, seeded.allowListId, 1)).toEqual([
        {
          algorithm: 'pdq',
          hash: item.pdq,
          external_id: `review:${body.id}`,
          added_by: analyst,
          added_note: note,
          dated: true,
        },
      ]);
      const [version] = await db.query<{ imported_by: string; format: string; entries: number }>(
        'SELECT imported_by, format, entries FROM list_versions WHERE list_id = $1 AND version = 1',
        [seeded.allowListId],
      );
      expect(version).toEqual({ imported_by: analyst, format: 'review', entries: 1 });

      const audit = (await listAudit(db, { limit: 10_000 })).slice(-2);
      expect(audit.map((r) => [r.actor, r.action, r.target])).toEqual([
        [analyst, 'match.review', `match:${seeded.matches.pdq}`],
        [analyst, 'list.allow_add', `list:${seeded.allowListId}`],
      ]);
      expect(audit[0]!.details).toEqual({
        verdict: 'false_positive',
        reviewId: body.id,
        allowList: { listId: seeded.allowListId, version: 1, added: 1, alreadyListed: false },
      });
      expect(audit[1]!.details).toMatchObject({
        version: 1,
        algorithm: 'pdq',
        entries: 1,
        matchId: seeded.matches.pdq,
        note,
      });

      // The NOTIFY reaches the live matcher, which rebuilds with the allow list.
      await waitFor('the allow list to be loaded', () =>
        live.status().lists.some((l) => l.id === seeded.allowListId && l.version === 1) ? true : undefined,
      );
      const after = live.matcher().match(item);
      expect(after.matches).toEqual([]);
      expect(after.allowListed).toEqual({ list: allowName, entryId: `review:${body.id}`, algorithm: 'pdq' });
      // The block entry itself still catches other near copies.
      expect(live.matcher().match({ pdq: seeded.items[1]!.pdq!, pdqQuality: 30 }).matches).toHaveLength(1);
    } finally {
      await live.close();
    }
  });

  it('adds a digest as the next version, carrying the earlier entries over; a repeat adds nothing', async () => {
    const { db } = api();
    const res = await review(seeded.matches.exact, { verdict: 'false_positive', allowListId: seeded.allowListId });
    expect(res.statusCode).toBe(201);
    const first = res.json<{ id: number; allowList: AllowListView }>();
    expect(first.allowList).toMatchObject({ version: 2, algorithm: 'sha256', added: 1, alreadyListed: false });
    const v2 = await allowEntries(db, seeded.allowListId, 2);
    expect(v2.map((e) => [e.algorithm, e.added_by])).toEqual([
      ['pdq', api().keys.analyst.name],
      ['sha256', api().keys.analyst.name],
    ]);
    expect(v2[0]).toEqual((await allowEntries(db, seeded.allowListId, 1))[0]);
    expect(v2[1]).toMatchObject({ hash: seeded.items[2]!.sha256, external_id: `review:${first.id}`, added_note: null });

    const live = await startMatcher(db);
    try {
      await live.whenReady();
      const outcome = live.matcher().match({ sha256: seeded.items[2]!.sha256! });
      expect(outcome).toEqual({
        matches: [],
        allowListed: { list: allowName, entryId: `review:${first.id}`, algorithm: 'sha256' },
      });
    } finally {
      await live.close();
    }

    const before = await counts(db, seeded.allowListId);
    const again = await review(seeded.matches.exact, {
      verdict: 'false_positive',
      note: 'again',
      allowListId: seeded.allowListId,
    });
    expect(again.json<{ allowList: AllowListView }>().allowList).toMatchObject({
      version: 2,
      added: 0,
      alreadyListed: true,
    });
    const after = await counts(db, seeded.allowListId);
    // The review and its audit row are recorded; no version, no list.allow_add row.
    expect([after.reviews - before.reviews, after.versions - before.versions, after.audit - before.audit]).toEqual([
      1, 0, 1,
    ]);
  });

  it('adds every frame hash of a video under one entry id', async () => {
    const res = await review(seeded.matches.video, { verdict: 'false_positive', allowListId: seeded.allowListId });
    const body = res.json<{ id: number; allowList: AllowListView }>();
    expect(body.allowList).toMatchObject({ version: 3, algorithm: 'vpdq', added: 2 });
    const added = (await allowEntries(api().db, seeded.allowListId, 3)).filter((e) => e.algorithm === 'vpdq');
    expect(added.map((e) => e.external_id)).toEqual([`review:${body.id}`, `review:${body.id}`]);
  });

  it('refuses an allow list that is not one, a disabled one, a verdict other than false positive, and a match without a stored hash, writing nothing', async () => {
    const { db } = api();
    const disabled = await createList(db, { name: `off-${Date.now()}`, source: 'x', kind: 'allow', createdBy: 'test' });
    await setListEnabled(db, disabled.id, false, 'test');
    const batch = await createBatch(db, {
      caseRef: 'NO-HASH',
      submitterName: 'test',
      kind: 'investigator',
      receivedAt: new Date(),
      items: [{ sourceKind: 'digest', sourceLabel: 'digest only' }],
    });
    const e = seeded.entries[2]!;
    await recordResult(db, batch.items[0]!.id, {
      status: 'matched',
      hashes: [],
      matches: [
        {
          listId: e.listId,
          listVersion: e.version,
          entryId: e.id,
          algorithm: 'pdq',
          distance: 3,
          threshold: 31,
          category: null,
          lowConfidence: false,
          score: 94,
        },
      ],
    });
    const [noHash] = await db.query<{ id: number }>('SELECT id FROM matches WHERE item_id = $1', [batch.items[0]!.id]);

    const before = await counts(db, seeded.allowListId);
    const cases: Array<[number, object, number, string, RegExp]> = [
      [
        seeded.matches.lowQuality,
        { verdict: 'confirmed', allowListId: seeded.allowListId },
        400,
        'invalid_argument',
        /false_positive/,
      ],
      [
        seeded.matches.lowQuality,
        { verdict: 'false_positive', allowListId: seeded.blockListId },
        400,
        'invalid_argument',
        /an enabled allow list .* of kind block/,
      ],
      [
        seeded.matches.lowQuality,
        { verdict: 'false_positive', allowListId: disabled.id },
        400,
        'invalid_argument',
        /disabled/,
      ],
      [
        seeded.matches.lowQuality,
        { verdict: 'false_positive', allowListId: 999_999_999 },
        404,
        'not_found',
        /No hash list/,
      ],
      [
        noHash!.id,
        { verdict: 'false_positive', allowListId: seeded.allowListId },
        404,
        'not_found',
        /has no stored pdq hash/,
      ],
      [999_999_999, { verdict: 'false_positive', allowListId: seeded.allowListId }, 404, 'not_found', /No match/],
    ];
    for (const [matchId, payload, status, code, message] of cases) {
      const res = await review(matchId, payload);
      const error = errorOf(res);
      expect([res.statusCode, error.code]).toEqual([status, code]);
      expect(error.message).toMatch(message);
    }
    expect(errorOf(await review(seeded.matches.lowQuality, { verdict: 'escalate', allowListId: 1 })).field).toBe(
      'allowListId',
    );
    expect(await counts(db, seeded.allowListId)).toEqual(before);
  });

  it('lists matches with what is known of the item, filtered by a score range', async () => {
    const get = (q: string) =>
      api().app.inject({ url: `/v1/matches?batchId=${seeded.batchId}&${q}`, headers: api().auth('analyst') });
    const res = await get('minScore=41&maxScore=89&order=score');
    const matches = res.json<{ matches: Array<{ score: number; item: object; batch: { receivedAt: string } }> }>()
      .matches;
    expect(matches.map((m) => m.score)).toEqual([89, 83]);
    expect(matches[0]!.item).toMatchObject({ size: 48_213, mediaType: 'image/jpeg', width: 640, height: 480 });
    expect(new Date(matches[0]!.batch.receivedAt).getTime()).toBeGreaterThan(0);
    const bad = await get('minScore=90&maxScore=10');
    expect([bad.statusCode, errorOf(bad).field]).toEqual([400, 'querystring.maxScore']);
  });

  it('tells a key who it is, lists the lists without their entries, and shows a caller their own recent actions', async () => {
    const { app, keys } = api();
    for (const role of ['submitter', 'intake', 'analyst', 'admin'] as const) {
      const me = await app.inject({ url: '/v1/me', headers: api().auth(role) });
      expect(me.json()).toEqual({ name: keys[role].name, role });
    }
    const lists = (await app.inject({ url: '/v1/review/lists', headers: api().auth('analyst') })).json<{
      lists: object[];
    }>().lists;
    expect(lists).toContainEqual({
      id: seeded.allowListId,
      name: allowName,
      source: 'Analysts',
      kind: 'allow',
      enabled: true,
      currentVersion: 3,
    });
    expect(Object.keys(lists[0]!).sort()).toEqual(['currentVersion', 'enabled', 'id', 'kind', 'name', 'source']);

    type Rows = {
      rows: Array<{ id: number; actor: string; action: string; target: string | null }>;
      next: number | null;
    };
    const activity = async (q: string, role: 'analyst' | 'admin' = 'analyst') => {
      const res = await app.inject({ url: `/v1/activity?${q}`, headers: api().auth(role) });
      expect(res.statusCode).toBe(200);
      return res.json<Rows>();
    };
    const own = await activity('limit=3');
    expect(own.rows.map((r) => r.actor)).toEqual([keys.analyst.name, keys.analyst.name, keys.analyst.name]);
    expect(own.rows.map((r) => r.action)).not.toContain('matches.read');
    expect(own.rows[0]!.id).toBeGreaterThan(own.rows[1]!.id);
    expect(own.next).toBe(own.rows[2]!.id);
    const older = await activity(`limit=3&before=${own.next}`);
    expect(older.rows[0]!.id).toBeLessThan(own.next!);
    expect((await activity('reads=true&limit=200')).rows.map((r) => r.action)).toContain('matches.read');

    const forbidden = await app.inject({ url: '/v1/activity?all=true', headers: api().auth('analyst') });
    expect([forbidden.statusCode, errorOf(forbidden).code]).toEqual([403, 'forbidden']);
    const everyone = await activity('all=true&limit=200', 'admin');
    expect(new Set(everyone.rows.map((r) => r.actor))).toContain(keys.analyst.name);
    expect((await activity('limit=200', 'admin')).rows.every((r) => r.actor === keys.admin.name)).toBe(true);
  });

  it("keeps the entries analysts added when the allow list's file is imported again", async () => {
    const { db } = api();
    const v1 = await allowEntries(db, seeded.allowListId, 1);
    const reviewed = (await allowEntries(db, seeded.allowListId, 3)).filter((e) => e.added_by !== null);
    expect(reviewed.map((e) => e.algorithm)).toEqual(expect.arrayContaining(['sha256', 'vpdq', 'vpdq']));
    const sha = reviewed.find((e) => e.algorithm === 'sha256')!;
    // The partner's new file lists the first entry and, by now, the sha256 an analyst added.
    const file = `algorithm,hash,category,id\n${v1[0]!.algorithm},${v1[0]!.hash},,${v1[0]!.external_id ?? ''}\nsha256,${sha.hash},,partner-1\n`;
    const res = await api().app.inject({
      method: 'POST',
      url: `/v1/lists/${seeded.allowListId}/entries`,
      headers: { ...api().auth('admin'), 'content-type': 'text/csv' },
      payload: file,
    });
    expect(res.statusCode).toBe(200);
    // What the new file lists comes from the file; the rest is carried.
    const carried = reviewed.filter((e) => e.hash !== sha.hash && e.hash !== v1[0]!.hash);
    expect(res.json()).toMatchObject({ version: 4, imported: 2 + carried.length, keptReviewed: carried.length });
    const v4 = await allowEntries(db, seeded.allowListId, 4);
    expect(v4.slice(0, 2).map((e) => [e.algorithm, e.added_by, e.external_id])).toEqual([
      [v1[0]!.algorithm, null, v1[0]!.external_id || null],
      ['sha256', null, 'partner-1'],
    ]);
    // Carried with their provenance (who, why, when), in the order they were added.
    expect(v4.slice(2)).toEqual(carried);
  });
});
