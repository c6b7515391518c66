import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ListEntry } from '../src/core/match.js';
import { createHammingIndex } from '../src/matching/index.js';
import { LiveMatcher } from '../src/matching/live-matcher.js';
import { createList, importListVersion, setListEnabled, type Db } from '../src/store/index.js';
import { quietLogger, sleep, waitFor } from './service-helpers.js';
import { asyncOf, backends, useDb } from './store-backends.js';

const pdq = () => randomBytes(32).toString('hex');
const entry = (hash: string, id: string, algorithm: ListEntry['algorithm'] = 'pdq'): ListEntry => ({
  algorithm,
  hash,
  category: 'test',
  id,
  line: 1,
});

async function importList(db: Db, listId: number, entries: ListEntry[]): Promise<number> {
  return (await importListVersion(db, { listId, importedBy: 'test', format: 'tiphash-csv', records: asyncOf(entries) }))
    .version;
}

function start(db: Db, opts: { checkIntervalMs?: number } = {}): Promise<LiveMatcher> {
  return LiveMatcher.start({
    db,
    createIndex: () => createHammingIndex({ impl: 'ts' }),
    logger: quietLogger(),
    debounceMs: 50,
    ...opts,
  });
}

describe.each(backends())('live matcher on %s', (backend) => {
  const db = useDb(backend);

  it('loads the current versions, swaps on NOTIFY after an import, and keeps answering through the swap', async () => {
    const a = pdq();
    const b = pdq();
    const list = await createList(db(), {
      name: `live-${randomBytes(3).toString('hex')}`,
      source: 'test',
      kind: 'block',
      createdBy: 'test',
    });
    // Enough entries that a reload takes a moment, so queries really do run during it.
    const filler = Array.from({ length: 20_000 }, (_, i) => entry(pdq(), `f${i}`));
    const v1 = await importList(db(), list.id, [entry(a, 'a'), ...filler]);
    const live = await start(db());
    try {
      await live.whenReady();
      const first = live.matcher();
      const hit = first.match({ pdq: a, pdqQuality: 100 }).matches;
      expect(hit).toHaveLength(1);
      expect(hit[0]).toMatchObject({ listId: list.id, listVersion: v1, entryId: 'a', distance: 0 });
      expect(hit[0]!.entryKey).toEqual(expect.any(Number));
      expect(live.status().entries).toEqual({ pdq: 20_001 });

      let queries = 0;
      let polling = true;
      const poll = (async () => {
        // Never a moment without a matcher: matcher() would throw not_ready.
        while (polling) {
          live.matcher().match({ pdq: a, pdqQuality: 100 });
          queries++;
          await sleep(1);
        }
      })();
      const v2 = await importList(db(), list.id, [entry(b, 'b'), ...filler]);
      await waitFor(
        'version 2 to be loaded',
        () => (live.status().lists[0]?.version === v2 ? true : undefined),
        30_000,
      );
      polling = false;
      await poll;
      expect(queries).toBeGreaterThan(0);

      const second = live.matcher();
      expect(second).not.toBe(first);
      expect(second.match({ pdq: b, pdqQuality: 100 }).matches[0]).toMatchObject({ listVersion: v2, entryId: 'b' });
      expect(second.match({ pdq: a, pdqQuality: 100 }).matches).toEqual([]);
      // A query that took the old matcher before the swap still finishes against it.
      expect(first.match({ pdq: a, pdqQuality: 100 }).matches[0]).toMatchObject({ listVersion: v1 });

      await setListEnabled(db(), list.id, false, 'test');
      await waitFor('the disabled list to be dropped', () => (live.status().lists.length === 0 ? true : undefined));
      expect(live.matcher().match({ pdq: b, pdqQuality: 100 }).matches).toEqual([]);
    } finally {
      await live.close();
    }
  });

  it('catches a change whose NOTIFY was missed with the periodic revision check', async () => {
    const list = await createList(db(), {
      name: `missed-${randomBytes(3).toString('hex')}`,
      source: 'test',
      kind: 'block',
      createdBy: 'test',
    });
    const h = pdq();
    await importList(db(), list.id, [entry(h, 'h')]);
    const live = await start(db(), { checkIntervalMs: 200 });
    try {
      await live.whenReady();
      await waitFor('the list', () => (live.status().lists.some((l) => l.id === list.id) ? true : undefined));
      // A change made behind the listener's back: no NOTIFY.
      await db().query(`UPDATE hash_lists SET thresholds = '{"pdq": 5}', revision = revision + 1 WHERE id = $1`, [
        list.id,
      ]);
      const near = Buffer.from(h, 'hex');
      near[0] = near[0]! ^ 0xff; // 8 bits away: within the default 31, not within 5
      await waitFor(
        'the new threshold',
        () =>
          live.matcher().match({ pdq: near.toString('hex'), pdqQuality: 100 }).matches.length === 0 ? true : undefined,
        10_000,
      );
    } finally {
      await live.close();
    }
  });

  it('is not ready, and refuses to match, until the first load completes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: Db = { ...db(), query: async (sql, params) => (await gate, db().query(sql, params)) };
    const live = await start(slow);
    try {
      await sleep(100);
      expect(live.ready).toBe(false);
      expect(() => live.matcher()).toThrow(expect.objectContaining({ code: 'not_ready' }));
      release();
      await live.whenReady();
      expect(live.ready).toBe(true);
    } finally {
      await live.close();
    }
  });
});

describe('list matcher built page by page', () => {
  it('finds every entry of a list loaded in many pages, whichever page it came in', async () => {
    const pages: ListEntry[][] = Array.from({ length: 4 }, (_, p) =>
      Array.from({ length: 10_000 }, (_, i) => entry(pdq(), `p${p}-${i}`)),
    );
    const { ListMatcher } = await import('../src/matching/list-matcher.js');
    const matcher = await ListMatcher.fromPages(
      [{ name: 'paged', kind: 'block', dihedral: false, thresholds: {}, pages: asyncOf(pages) }],
      () => createHammingIndex({ logger: { info: () => undefined, warn: () => undefined } }),
    );
    await matcher.ready();
    expect(matcher.entriesByAlgorithm()).toEqual({ pdq: 40_000 });
    for (const page of pages)
      for (const e of page.filter((_, i) => i % 997 === 0))
        expect(matcher.match({ pdq: e.hash, pdqQuality: 100 }).matches.map((m) => [m.entryId, m.distance])).toEqual([
          [e.id, 0],
        ]);
  });
});
