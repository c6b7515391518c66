/**
 * No media, ever, from the API: every route is enumerated from the router itself, every GET is
 * fetched with an admin key and real ids, and each answer must be a text type (JSON, NDJSON,
 * CSV, HTML, plain text, the page's CSS and scripts) that carries no byte run of the media
 * that was uploaded. The OpenAPI document must not promise a media response either.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_CONTENT_TYPE } from '../src/api/headers.js';
import { loadPage } from '../src/api/routes/page.js';
import { recordResult } from '../src/store/index.js';
import { multipart, useApi } from './api-helpers.js';
import { seedReview, type Seeded } from './page-seed.js';
import { repoRoot, sharedFixture } from './shared.js';

/** Text types only; a route answering anything else fails, whatever it is. */
const TEXT_TYPE =
  /^(application\/(json|x-ndjson|javascript|x-yaml)|text\/(csv|html|plain|css|javascript|yaml))\s*(;|$)/i;

interface Route {
  path: string;
  methods: string[];
}

/** The router's own tree (printRoutes), flattened: each line's segment appended to its ancestors'. */
export function routesOf(app: FastifyInstance): Route[] {
  const stack: string[] = [];
  const routes: Route[] = [];
  for (const line of app.printRoutes().split('\n')) {
    const m = /^(.*?)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    if (m[3]) routes.push({ path: stack.join(''), methods: m[3].split(', ') });
  }
  return routes;
}

const fixtures = [
  sharedFixture('blockhash/00002701.jpg'),
  sharedFixture('threatexchange/pdq/data/reg-test-input/pen-and-coaster.png'),
  sharedFixture('threatexchange/tmk/sample-videos/doorknob-hd-no-bar.mp4'),
  join(repoRoot, 'fixtures/images/bridge-256.jpg'),
];

/** The first 64 bytes of each fixture, as bytes, hex and base64: none may appear in any response. */
const needles = fixtures.flatMap((file) => {
  const head = readFileSync(file).subarray(0, 64);
  return [
    { file, form: 'bytes', value: head },
    { file, form: 'hex', value: Buffer.from(head.toString('hex')) },
    { file, form: 'base64', value: Buffer.from(head.subarray(0, 48).toString('base64')) },
  ];
});

describe('the API never returns media', () => {
  const api = useApi('pglite');
  let seeded: Seeded;
  let uploadBatch = 0;
  let reportDigest = '';

  beforeAll(async () => {
    const { app, db } = api();
    seeded = await seedReview(db, { submitter: api().keys.submitter.name, keyId: api().keys.submitter.id });
    const form = multipart([
      { name: 'caseRef', value: 'NO-MEDIA' },
      ...fixtures.map((file) => ({ name: 'file', value: readFileSync(file), filename: file.split('/').pop()! })),
    ]);
    const created = await app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...api().auth('submitter'), ...form.headers },
      payload: form.payload,
    });
    expect(created.statusCode).toBe(201);
    const body = created.json<{ id: number; items: Array<{ id: number }> }>();
    uploadBatch = body.id;
    // As a worker would record them: digests and what is known of each file, never the file.
    for (const [i, item] of body.items.entries()) {
      const bytes = readFileSync(fixtures[i]!);
      const digest = (algo: string) => createHash(algo).update(bytes).digest('hex');
      await recordResult(db, item.id, {
        status: 'no_match',
        md5: digest('md5'),
        sha1: digest('sha1'),
        sha256: digest('sha256'),
        size: bytes.length,
        mediaType: fixtures[i]!.endsWith('.mp4')
          ? 'video/mp4'
          : fixtures[i]!.endsWith('.png')
            ? 'image/png'
            : 'image/jpeg',
        hashes: [],
        matches: [],
      });
    }
    await app.inject({
      method: 'POST',
      url: `/v1/matches/${seeded.matches.pdq}/review`,
      headers: api().auth('analyst'),
      payload: { verdict: 'confirmed', note: 'seen' },
    });
    const report = await app.inject({ url: `/v1/batches/${uploadBatch}/report`, headers: api().auth('admin') });
    reportDigest =
      /sha256=([0-9a-f]{64})/.exec(String(report.headers['x-tiphash-report-digest'] ?? ''))?.[1] ?? '0'.repeat(64);
  });

  /** Concrete URLs for a route pattern: its ids filled in, each wildcard with the files behind it. */
  async function urlsFor(path: string): Promise<string[]> {
    const swaggerStatic = join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui')), 'static');
    if (path === '/docs/static/*') return readdirSync(swaggerStatic).map((f) => `/docs/static/${f}`);
    if (path === '/page/*') return [...(await loadPage()).keys(), 'no-such-file.png'].map((f) => `/page/${f}`);
    if (path.includes('*')) throw new Error(`No sample files for the wildcard route ${path}: add them to this test`);
    const ids: Record<string, string> = {
      '/v1/batches/:id': String(uploadBatch),
      '/v1/matches/:id': String(seeded.matches.pdq),
      '/v1/reports/:sha256': reportDigest,
    };
    const filled = path.replace(/^(\/v1\/[a-z]+\/:[a-z0-9]+)/i, (prefix) => {
      const id = ids[prefix];
      return id === undefined ? prefix : prefix.replace(/:[a-z0-9]+$/i, id);
    });
    if (filled.includes(':')) throw new Error(`No id for the route ${path}: add one to this test`);
    // Each format a route offers, from its documented querystring.
    const spec = api().app.swagger() as {
      paths: Record<
        string,
        { get?: { parameters?: Array<{ in: string; name: string; schema?: { enum?: string[] } }> } }
      >;
    };
    const formats =
      spec.paths[path.replace(/:([a-z0-9]+)/gi, '{$1}')]?.get?.parameters?.find(
        (p) => p.in === 'query' && p.name === 'format',
      )?.schema?.enum ?? [];
    const byId =
      path === '/v1/batches/:id/results' || path === '/v1/batches/:id/report'
        ? [filled, filled.replace(String(uploadBatch), String(seeded.batchId))]
        : [filled];
    return byId.flatMap((url) => [url, ...formats.map((f) => `${url}?format=${f}`)]);
  }

  it('answers every GET route with a text type only, carrying no byte run of the uploaded media', async () => {
    const routes = routesOf(api().app).filter((r) => r.methods.includes('GET'));
    // The enumeration found the routes it must: the page, the API, the docs.
    for (const must of ['/', '/page/*', '/v1/matches', '/v1/batches/:id/results', '/v1/activity', '/docs/static/*']) {
      expect(routes.map((r) => r.path)).toContain(must);
    }
    let fetched = 0;
    for (const route of routes) {
      for (const url of await urlsFor(route.path)) {
        const res = await api().app.inject({ url, headers: api().auth('admin') });
        const type = String(res.headers['content-type'] ?? '');
        if (res.statusCode >= 300 && res.statusCode < 400) {
          // A redirect within the docs (static/index.html → /docs/): no body to check.
          expect([url, res.rawPayload.length, String(res.headers.location).startsWith('/')]).toEqual([url, 0, true]);
          continue;
        }
        expect({ url, type, media: MEDIA_CONTENT_TYPE.test(type) }).toEqual({
          url,
          type: expect.stringMatching(TEXT_TYPE) as string,
          media: false,
        });
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        const body = res.rawPayload;
        for (const n of needles)
          expect({ url, found: body.includes(n.value) ? `${n.form} of ${n.file}` : null }).toEqual({
            url,
            found: null,
          });
        fetched++;
      }
    }
    expect(fetched).toBeGreaterThan(40);
  });

  it('withholds a media response whatever produces it (the Swagger UI ships a favicon)', async () => {
    const res = await api().app.inject({ url: '/docs/static/favicon-32x32.png' });
    expect([res.statusCode, res.headers['content-type'], res.json<{ error: { code: string } }>().error.code]).toEqual([
      404,
      'application/json; charset=utf-8',
      'not_found',
    ]);
    expect(res.headers['content-length']).toBe(String(res.rawPayload.length));
  });

  it('documents no media response on any route', () => {
    const spec = api().app.swagger() as {
      paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    const offending: string[] = [];
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          for (const type of Object.keys(response.content ?? {})) {
            if (MEDIA_CONTENT_TYPE.test(type)) offending.push(`${method.toUpperCase()} ${path} ${status} ${type}`);
          }
          if (JSON.stringify(response).includes('"binary"'))
            offending.push(`${method.toUpperCase()} ${path} ${status} binary`);
        }
      }
    }
    expect(offending).toEqual([]);
    expect(Object.keys(spec.paths).length).toBeGreaterThan(15);
  });

  it('sends strict security headers: the page forbids pictures and media, the API is never cached', async () => {
    const page = await api().app.inject({ url: '/' });
    const csp = String(page.headers['content-security-policy']);
    for (const directive of [
      "img-src 'none'",
      "media-src 'none'",
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
      "require-trusted-types-for 'script'",
    ]) {
      expect(csp.split('; ')).toContain(directive);
    }
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const v1 = await api().app.inject({ url: '/v1/matches?limit=1', headers: api().auth('analyst') });
    expect([v1.headers['cache-control'], v1.headers['x-content-type-options'], v1.headers['referrer-policy']]).toEqual([
      'no-store',
      'nosniff',
      'no-referrer',
    ]);
    expect(String(v1.headers['content-security-policy'])).toMatch(/^default-src 'none'/);
    // Files beside the page that are not page assets are never served.
    expect((await api().app.inject({ url: '/page/../app.ts' })).statusCode).toBe(404);
  });
});
