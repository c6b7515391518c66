import { beforeAll, describe, expect, it } from 'vitest';
import { listAudit, recordResult, type Db, type StoredEntry } from '../src/store/index.js';
import { anyNumber, anyString, errorOf, matchOf, secretsInLogs, seedList, useApi } from './api-helpers.js';
import { backends } from './store-backends.js';

interface MatchView {
  id: number;
  score: number;
  category: string | null;
  verdict: string | null;
  list: { id: number; name: string; source: string; version: number };
  item: { id: number; seq: number; source: string; md5: string | null };
  batch: { id: number; caseRef: string | null; tipId: string | null };
}

describe.each(backends())('API matches, reviews and the audit log on %s', (backend) => {
  const api = useApi(backend);
  let entries: StoredEntry[] = [];
  let batchId = 0;
  const scores = [91, 40, 75, 60, 10];

  beforeAll(async () => {
    entries = await seedList(api().db, 5);
    const res = await api().app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: api().auth('submitter'),
      payload: { caseRef: 'CASE-M', items: [1, 2, 3].map((i) => ({ url: `https://example.org/${i}.jpg` })) },
    });
    batchId = res.json<{ id: number }>().id;
    const [a, b, c] = res.json<{ items: Array<{ id: number }> }>().items.map((i) => i.id);
    const md5 = 'd'.repeat(32);
    await recordResult(api().db, a!, {
      status: 'matched',
      md5,
      hashes: [],
      matches: [matchOf(entries[0]!, 2, scores[0]!), matchOf(entries[1]!, 25, scores[1]!)],
    });
    await recordResult(api().db, b!, {
      status: 'matched',
      hashes: [],
      matches: [2, 3, 4].map((i) => matchOf(entries[i]!, 10, scores[i]!)),
    });
    await recordResult(api().db, c!, { status: 'no_match', hashes: [], matches: [] });
  });

  const get = async (query: string) => {
    const res = await api().app.inject({
      url: `/v1/matches?batchId=${batchId}&${query}`,
      headers: api().auth('analyst'),
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ matches: MatchView[]; next: string | null }>();
  };

  it('lists matches with list provenance, item digests and the batch, and audits the read', async () => {
    const { matches, next } = await get('');
    expect(next).toBeNull();
    expect(matches.map((m) => m.score)).toEqual(scores);
    expect(matches[0]).toEqual({
      id: anyNumber,
      score: 91,
      algorithm: 'pdq',
      distance: 2,
      threshold: 31,
      quality: 90,
      lowConfidence: false,
      via: 'pdq',
      category: 'a',
      frames: null,
      verdict: null,
      createdAt: anyString,
      list: {
        id: entries[0]!.listId,
        name: expect.stringMatching(/^seed-/) as string,
        source: 'test feed',
        version: 1,
      },
      entry: { id: entries[0]!.id, externalId: 'E-0' },
      item: {
        id: anyNumber,
        seq: 1,
        source: 'https://example.org/1.jpg',
        md5: 'd'.repeat(32),
        sha1: null,
        sha256: null,
        size: null,
        mediaType: null,
        width: null,
        height: null,
      },
      batch: { id: batchId, caseRef: 'CASE-M', tipId: null, receivedAt: anyString },
    });
    const reads = (await listAudit(api().db, { limit: 10_000 })).filter((r) => r.action === 'matches.read');
    expect(reads.at(-1)).toMatchObject({
      actor: api().keys.analyst.name,
      details: { filter: { batchId, order: 'oldest', limit: 100 }, matches: matches.map((m) => m.id) },
    });
  });

  it('filters by score, category and list, and pages by score, newest and oldest', async () => {
    expect((await get('minScore=60')).matches.map((m) => m.score)).toEqual([91, 75, 60]);
    expect((await get('category=a')).matches.map((m) => m.category)).toEqual(['a', 'a', 'a']);
    expect((await get(`listId=${entries[0]!.listId + 1000}`)).matches).toEqual([]);

    const walk = async (order: string) => {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await get(`order=${order}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.matches.length).toBeLessThanOrEqual(2);
        seen.push(...page.matches.map((m) => (order === 'score' ? m.score : m.id)));
        cursor = page.next;
      } while (cursor !== null);
      return seen;
    };
    expect(await walk('score')).toEqual([...scores].sort((x, y) => y - x));
    const oldest = await walk('oldest');
    expect(oldest).toEqual([...oldest].sort((x, y) => x - y));
    expect(await walk('newest')).toEqual([...oldest].reverse());

    for (const query of [
      'cursor=bm90LWEtY3Vyc29y',
      `order=score&cursor=${Buffer.from('{"id":3}').toString('base64url')}`,
    ]) {
      const res = await api().app.inject({ url: `/v1/matches?${query}`, headers: api().auth('analyst') });
      expect([res.statusCode, errorOf(res).field]).toEqual([400, 'querystring.cursor']);
    }
  });

  it('records a review with its audit row; the review queue then leaves the match out', async () => {
    const [target] = (await get('order=score&limit=1')).matches;
    const review = await api().app.inject({
      method: 'POST',
      url: `/v1/matches/${target!.id}/review`,
      headers: api().auth('analyst'),
      payload: { verdict: 'false_positive', note: 'a bridge, not the listed picture' },
    });
    expect([review.statusCode, review.json()]).toEqual([
      201,
      {
        id: anyNumber,
        matchId: target!.id,
        verdict: 'false_positive',
        note: 'a bridge, not the listed picture',
        reviewer: api().keys.analyst.name,
        at: anyString,
      },
    ]);
    const audit = (await listAudit(api().db, { limit: 10_000 })).filter((r) => r.action === 'match.review');
    expect(audit.at(-1)).toMatchObject({
      actor: api().keys.analyst.name,
      target: `match:${target!.id}`,
      details: { verdict: 'false_positive' },
    });

    expect((await get('reviewed=false')).matches.map((m) => m.id)).not.toContain(target!.id);
    expect((await get('reviewed=true')).matches.map((m) => [m.id, m.verdict])).toEqual([
      [target!.id, 'false_positive'],
    ]);
    const one = await api().app.inject({ url: `/v1/matches/${target!.id}`, headers: api().auth('analyst') });
    expect(one.json()).toMatchObject({
      id: target!.id,
      verdict: 'false_positive',
      reviews: [{ verdict: 'false_positive', reviewer: api().keys.analyst.name }],
    });

    const post = (url: string, payload: object) =>
      api().app.inject({ method: 'POST', url, headers: api().auth('analyst'), payload });
    const bad = await post(`/v1/matches/${target!.id}/review`, { verdict: 'maybe' });
    expect([bad.statusCode, errorOf(bad).field]).toEqual([400, 'verdict']);
    const missing = await post('/v1/matches/999999999/review', { verdict: 'confirmed' });
    expect([missing.statusCode, errorOf(missing).code]).toEqual([404, 'not_found']);
    expect((await api().app.inject({ url: '/v1/matches/999999999', headers: api().auth('analyst') })).statusCode).toBe(
      404,
    );
  });

  it('pages the audit log and verifies its chain, naming the first broken row', async () => {
    const page = async (after: number) =>
      (await api().app.inject({ url: `/v1/audit?after=${after}&limit=3`, headers: api().auth('admin') })).json<{
        rows: Array<{ id: number; hash: string; prevHash: string; action: string }>;
        next: number | null;
      }>();
    const first = await page(0);
    expect(first.rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(first.next).toBe(3);
    const second = await page(first.next!);
    expect(second.rows[0]!.prevHash).toBe(first.rows[2]!.hash);

    const verify = async () =>
      (await api().app.inject({ url: '/v1/audit/verify', headers: api().auth('admin') })).json<{
        ok: boolean;
        rows: number;
      }>();
    const ok = await verify();
    expect(ok).toEqual({ ok: true, rows: anyNumber });
    expect(ok.rows).toBeGreaterThan(6);

    await tamper(api().db, 'UPDATE audit_log SET actor = $2 WHERE id = $1', [2, 'someone else']);
    expect(await verify()).toEqual({ ok: false, rows: 1, brokenId: 2, reason: 'the row does not match its hash' });
  });

  it('never writes a key or the webhook secret to the log', () => {
    expect(secretsInLogs(api())).toEqual([]);
  });
});

/** What only a superuser can do: rewrite audit_log with its append-only triggers bypassed. */
function tamper(db: Db, sql: string, params: unknown[]): Promise<unknown> {
  return db.withTx(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    return tx.query(sql, params);
  });
}
