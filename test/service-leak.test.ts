/**
 * No media in any output: fixtures go in through the HTTP API (multipart uploads, URL
 * batches, a signed tip), are hashed, matched and reviewed; then every API response body,
 * every log line, every Redis key and value under the service's prefix and every row of
 * every Postgres table is searched for each fixture's first 64 bytes — raw, as hex and as
 * base64. Both shapes.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashImage } from '../src/hashing/index.js';
import { signWebhook } from '../src/intake/signature.js';
import { REDIS_URL, serveFiles, shapes, useService, waitFor, type FileServer } from './service-helpers.js';
import { repoRoot, sharedFixture } from './shared.js';

const ADMIN_KEY = `admin-${randomBytes(24).toString('hex')}`;
const WEBHOOK_SECRET = randomBytes(32).toString('hex');
const FIXTURES = [
  join(repoRoot, 'fixtures/images/bridge-256.jpg'),
  join(repoRoot, 'fixtures/images/bridge-256.heic'),
  join(repoRoot, 'fixtures/demo/case-0142/photos/street.jpg'),
  join(repoRoot, 'fixtures/demo/case-0142/misc/notes.jpg'),
  join(repoRoot, 'fixtures/demo/case-0142/misc/drawing.svg'),
  sharedFixture('threatexchange/pdq/data/reg-test-input/pen-and-coaster.png'),
];

interface Needle {
  fixture: string;
  form: 'raw' | 'hex' | 'HEX' | 'base64';
  bytes: Buffer;
}

function needlesOf(fixture: string, head: Buffer): Needle[] {
  return [
    { fixture, form: 'raw', bytes: head },
    { fixture, form: 'hex', bytes: Buffer.from(head.toString('hex')) },
    { fixture, form: 'HEX', bytes: Buffer.from(head.toString('hex').toUpperCase()) },
    { fixture, form: 'base64', bytes: Buffer.from(head.toString('base64')) },
  ];
}

/** Where each needle turns up: `${where}: ${fixture} (${form})`. */
function findings(haystacks: Array<{ where: string; data: Buffer }>, needles: Needle[]): string[] {
  const found: string[] = [];
  for (const h of haystacks)
    for (const n of needles) if (h.data.includes(n.bytes)) found.push(`${h.where}: ${basename(n.fixture)} (${n.form})`);
  return found;
}

describe.each(shapes())('no media bytes leave the worker, %s shape', (shape) => {
  const svc = useService(shape, { TIPHASH_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY, TIPHASH_WEBHOOK_SECRET: WEBHOOK_SECRET });
  const responses: Array<{ where: string; data: Buffer }> = [];
  let needles: Needle[] = [];
  let files: FileServer;

  /** One API call; every response body is kept for the scan. */
  const call = async (
    method: string,
    path: string,
    opts: { key?: string; json?: unknown; body?: string | FormData; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    let body = opts.body;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    const res = await fetch(`${svc().service.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const data = Buffer.from(await res.arrayBuffer());
    responses.push({ where: `response ${method} ${path}`, data });
    return {
      status: res.status,
      data,
      json: () => JSON.parse(data.toString()) as Record<string, unknown> & Array<Record<string, unknown>>,
    };
  };

  beforeAll(async () => {
    const contents = await Promise.all(FIXTURES.map((f) => readFile(f)));
    needles = FIXTURES.flatMap((f, i) => needlesOf(f, contents[i]!.subarray(0, 64)));
    files = await serveFiles(Object.fromEntries(FIXTURES.map((f, i) => [`/${basename(f)}`, { body: contents[i]! }])));
  });
  afterAll(() => files?.close());

  it('finds a planted needle (the scan itself works)', () => {
    const head = randomBytes(64);
    const planted = needlesOf('planted', head);
    expect(
      findings([{ where: 'log', data: Buffer.from(`{"msg":"x ${head.toString('base64')} y"}`) }], planted),
    ).toEqual(['log: planted (base64)']);
    expect(findings([{ where: 'row', data: Buffer.from(`(1,\\x${head.toString('hex')})`) }], planted)).toEqual([
      'row: planted (hex)',
    ]);
  });

  it(
    'submits, hashes, matches and reviews the fixtures, and no output holds their bytes',
    { timeout: 180_000 },
    async () => {
      const { service, logs, prefix, config } = svc();
      const keys: Record<string, string> = {};
      for (const role of ['submitter', 'intake', 'analyst']) {
        const r = await call('POST', '/v1/keys', {
          key: ADMIN_KEY,
          json: { role, name: `${role}-${randomBytes(3).toString('hex')}` },
        });
        expect(r.status).toBe(201);
        keys[role] = r.json().key as string;
      }
      const list = await call('POST', '/v1/lists', {
        key: ADMIN_KEY,
        json: { name: 'leak-test', source: 'fixtures', kind: 'block' },
      });
      expect(list.status).toBe(201);
      const listId = list.json().id as number;
      const bridge = await hashImage(FIXTURES[0]!);
      const csv = `algorithm,hash,category,id\npdq,${bridge.hashes.pdq},demo,bridge-pdq\nmd5,${bridge.digests.md5},demo,bridge-md5\n`;
      const imported = await call('POST', `/v1/lists/${listId}/entries`, {
        key: ADMIN_KEY,
        body: csv,
        headers: { 'content-type': 'text/csv' },
      });
      expect(imported.status).toBe(200);
      await waitFor('the list to be loaded', () =>
        service.matcher?.status().lists.some((l) => l.id === listId) ? true : undefined,
      );

      const form = new FormData();
      form.append('caseRef', 'leak-1');
      for (const f of FIXTURES) form.append('file', new Blob([await readFile(f)]), basename(f));
      const uploads = await call('POST', '/v1/batches', { key: keys.submitter, body: form });
      expect(uploads.status).toBe(201);
      const urls = await call('POST', '/v1/batches', {
        key: keys.submitter,
        json: { caseRef: 'leak-2', items: FIXTURES.map((f) => ({ url: `${files.url}/${basename(f)}` })) },
      });
      expect(urls.status).toBe(201);
      const tip = JSON.stringify({
        tipId: `tip-${randomBytes(3).toString('hex')}`,
        receivedAt: new Date().toISOString(),
        files: [{ url: `${files.url}/bridge-256.jpg` }, { sha256: bridge.digests.sha256 }],
      });
      const tipRes = await call('POST', '/v1/intake/tips', {
        key: keys.intake,
        body: tip,
        headers: {
          'content-type': 'application/json',
          'x-tiphash-signature': signWebhook(WEBHOOK_SECRET, tip, Math.floor(Date.now() / 1000)),
        },
      });
      expect(tipRes.status).toBe(202);

      const batchIds = [uploads.json().id as number, urls.json().id as number, tipRes.json().batchId as number];
      for (const id of batchIds) {
        await waitFor(
          `batch ${id}`,
          async () =>
            (await call('GET', `/v1/batches/${id}`, { key: keys.analyst })).json().status === 'done' ? true : undefined,
          60_000,
          200,
        );
        for (const accept of ['application/json', 'application/x-ndjson', 'text/csv'])
          expect(
            (await call('GET', `/v1/batches/${id}/results`, { key: keys.analyst, headers: { accept } })).status,
          ).toBe(200);
      }
      const matches = await call('GET', '/v1/matches?reviewed=false', { key: keys.analyst });
      const first = (matches.json().matches as Array<{ id: number }>)[0]!;
      expect(first).toBeDefined();
      expect(
        (
          await call('POST', `/v1/matches/${first.id}/review`, {
            key: keys.analyst,
            json: { verdict: 'confirmed', note: 'checked' },
          })
        ).status,
      ).toBe(201);
      await call('GET', `/v1/matches/${first.id}`, { key: keys.analyst });
      for (const path of ['/v1/lists', '/v1/audit', '/v1/keys']) await call('GET', path, { key: ADMIN_KEY });
      for (const path of ['/metrics', '/readyz', '/healthz']) await call('GET', path);

      const haystacks = [...responses];
      haystacks.push({ where: 'logs', data: Buffer.from(logs.join('')) });
      const tables = await service.db.query<{ t: string }>(
        `SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`,
      );
      expect(tables.map((t) => t.t)).toEqual(
        expect.arrayContaining(['items', 'item_hashes', 'matches', 'audit_log', 'batches']),
      );
      for (const { t } of tables) {
        const rows = await service.db.query<{ r: string }>(`SELECT x::text AS r FROM ${t} x`);
        haystacks.push({ where: `table ${t}`, data: Buffer.from(rows.map((r) => r.r).join('\n')) });
      }
      if (shape === 'distributed') {
        const redis = await redisDump(prefix);
        expect(redis.length).toBeGreaterThan(0);
        haystacks.push(...redis);
      }
      // Every staged upload was deleted once its item was done.
      expect(await readdir(config.staging.dir)).toEqual([]);
      expect(haystacks.length).toBeGreaterThan(30);
      expect(findings(haystacks, needles)).toEqual([]);
    },
  );
});

/** Every key under the prefix with its value, read by type (BullMQ uses hashes, lists, sets, zsets and streams). */
async function redisDump(prefix: string): Promise<Array<{ where: string; data: Buffer }>> {
  const r = new Redis(REDIS_URL);
  try {
    const out: Array<{ where: string; data: Buffer }> = [];
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await r.type(key);
        const parts: Buffer[] = [Buffer.from(key)];
        if (type === 'string') parts.push((await r.getBuffer(key)) ?? Buffer.alloc(0));
        else if (type === 'hash')
          parts.push(...Object.entries(await r.hgetallBuffer(key)).flatMap(([k, v]) => [Buffer.from(k), v]));
        else if (type === 'list') parts.push(...(await r.lrangeBuffer(key, 0, -1)));
        else if (type === 'set') parts.push(...(await r.smembersBuffer(key)));
        else if (type === 'zset') parts.push(...(await r.zrangeBuffer(key, 0, -1)));
        else if (type === 'stream') parts.push(Buffer.from(JSON.stringify(await r.xrange(key, '-', '+'))));
        out.push({ where: `redis ${key} (${type})`, data: Buffer.concat(parts) });
      }
    } while (cursor !== '0');
    return out;
  } finally {
    r.disconnect();
  }
}
