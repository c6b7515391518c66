import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createApiKey, listAudit, revokeApiKey, ROLES, type Db, type Role } from '../src/store/index.js';
import { anyString, errorOf, secretsInLogs, useApi } from './api-helpers.js';
import { backends } from './store-backends.js';

type Caller = Role | 'none' | 'garbage' | 'revoked';

/** Every /v1 route and the roles it admits besides admin. Bodies are left invalid on purpose: nothing is created. */
const ROUTES: Array<{ method: InjectOptions['method']; url: string; roles: Role[]; payload?: object }> = [
  { method: 'POST', url: '/v1/keys', roles: [], payload: {} },
  { method: 'GET', url: '/v1/keys', roles: [] },
  { method: 'DELETE', url: '/v1/keys/999999999', roles: [] },
  { method: 'POST', url: '/v1/lists', roles: [], payload: {} },
  { method: 'GET', url: '/v1/lists', roles: [] },
  { method: 'PATCH', url: '/v1/lists/999999999', roles: [], payload: { enabled: false } },
  { method: 'POST', url: '/v1/lists/999999999/entries', roles: [], payload: {} },
  { method: 'PATCH', url: '/v1/lists/999999999/entries/888888888', roles: [], payload: { enabled: false } },
  { method: 'POST', url: '/v1/batches', roles: ['submitter'], payload: {} },
  { method: 'GET', url: '/v1/batches/999999999', roles: ['submitter', 'intake', 'analyst'] },
  { method: 'GET', url: '/v1/batches/999999999/results', roles: ['submitter', 'intake', 'analyst'] },
  { method: 'GET', url: '/v1/batches/999999999/report', roles: ['submitter', 'intake', 'analyst'] },
  { method: 'GET', url: `/v1/reports/${'0'.repeat(64)}`, roles: ['submitter', 'intake', 'analyst'] },
  { method: 'POST', url: '/v1/intake/tips', roles: ['intake'], payload: {} },
  { method: 'GET', url: '/v1/matches?limit=1', roles: ['analyst'] },
  { method: 'GET', url: '/v1/matches/999999999', roles: ['analyst'] },
  { method: 'POST', url: '/v1/matches/999999999/review', roles: ['analyst'], payload: { verdict: 'confirmed' } },
  { method: 'GET', url: '/v1/audit?limit=1', roles: [] },
  { method: 'GET', url: '/v1/audit/verify', roles: [] },
  { method: 'GET', url: '/v1/me', roles: ['submitter', 'intake', 'analyst'] },
  { method: 'GET', url: '/v1/review/lists', roles: ['analyst'] },
  { method: 'GET', url: '/v1/activity', roles: ['analyst'] },
];

describe.each(backends())('API authentication, keys and errors on %s', (backend) => {
  const api = useApi(backend);
  let revokedKey = '';

  async function call(caller: Caller, route: (typeof ROUTES)[number]) {
    const headers: Record<string, string> =
      caller === 'none'
        ? {}
        : caller === 'garbage'
          ? { authorization: 'Bearer thk_not-a-key' }
          : caller === 'revoked'
            ? { authorization: `Bearer ${revokedKey}` }
            : api().auth(caller);
    return api().app.inject({
      method: route.method,
      url: route.url,
      headers,
      ...(route.payload ? { payload: route.payload } : {}),
    });
  }

  it('answers 401 without a valid key and 403 for a role a route does not admit, on every route', async () => {
    const k = await createApiKey(api().db, { role: 'admin', name: `revoked-${Date.now()}`, createdBy: 'test' });
    await revokeApiKey(api().db, k.id, 'test');
    revokedKey = k.key;
    const seen: string[] = [];
    for (const route of ROUTES) {
      for (const caller of ['none', 'garbage', 'revoked'] as const) {
        const res = await call(caller, route);
        expect([route.url, caller, res.statusCode, errorOf(res).code]).toEqual([
          route.url,
          caller,
          401,
          'unauthorized',
        ]);
        expect(res.headers['www-authenticate']).toBe('Bearer');
      }
      for (const role of ROLES) {
        const res = await call(role, route);
        const admitted = role === 'admin' || route.roles.includes(role);
        if (admitted) {
          // Past authentication: whatever else is wrong with the request, it is not the key.
          const code = res.statusCode >= 400 ? errorOf(res).code : 'none';
          expect(`${route.url} ${role} ${code}`).not.toMatch(/ (unauthorized|forbidden|internal)$/);
        } else {
          expect([route.url, role, res.statusCode, errorOf(res).code]).toEqual([route.url, role, 403, 'forbidden']);
        }
      }
      seen.push(route.url.split('?')[0]!.replace(/999999999/g, '{id}').replace('888888888', '{entryId}').replace(/[0-9a-f]{64}/, '{sha256}'));
    }
    // The matrix covers every /v1 route the API documents.
    const doc = (await api().app.inject({ url: '/docs/json' })).json<{ paths: object }>();
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/v1/'));
    expect(new Set(paths)).toEqual(new Set(seen));
  });

  it('creates a key (shown once), lists keys without secrets, revokes, and audits each step', async () => {
    const { app } = api();
    const auth = (role: Role) => api().auth(role);
    const name = `ana-${Date.now()}`;
    const created = await app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: auth('admin'),
      payload: { role: 'analyst', name },
    });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json<{ id: number; key: string }>();
    expect(key).toMatch(/^thk_[A-Za-z0-9_-]{43}$/);
    expect((await app.inject({ url: '/v1/matches', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(
      200,
    );

    const dup = await app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: auth('admin'),
      payload: { role: 'analyst', name },
    });
    expect([dup.statusCode, errorOf(dup).code]).toEqual([400, 'invalid_argument']);
    expect(errorOf(dup).message).toContain(name);

    const listed = await app.inject({ url: '/v1/keys', headers: auth('admin') });
    expect(listed.body).not.toContain(key);
    const mine = listed.json<{ keys: Array<Record<string, unknown>> }>().keys.find((k) => k.id === id);
    expect(mine).toEqual({
      id,
      name,
      role: 'analyst',
      prefix: key.slice(0, 10),
      createdBy: api().keys.admin.name,
      createdAt: anyString,
      revokedAt: null,
    });

    expect((await app.inject({ method: 'DELETE', url: `/v1/keys/${id}`, headers: auth('admin') })).statusCode).toBe(
      204,
    );
    expect((await app.inject({ url: '/v1/matches', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(
      401,
    );
    const again = await app.inject({ method: 'DELETE', url: `/v1/keys/${id}`, headers: auth('admin') });
    expect([again.statusCode, errorOf(again).code]).toEqual([404, 'not_found']);

    const rows = await listAudit(api().db, { limit: 1000 });
    const actions = rows.filter((r) => r.actor === api().keys.admin.name).map((r) => [r.action, r.target]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['apikey.create', `apikey:${id}`],
        ['apikey.list', null],
        ['apikey.revoke', `apikey:${id}`],
      ]),
    );
    expect(JSON.stringify(rows)).not.toContain(key);
  });

  it('answers 400 naming the field for bad JSON, schema, query and path values', async () => {
    const { app } = api();
    const auth = (role: Role) => api().auth(role);
    const post = (payload: unknown) =>
      app.inject({ method: 'POST', url: '/v1/keys', headers: auth('admin'), payload: payload as object });
    const cases: Array<[Promise<LightMyRequestResponse>, string | undefined]> = [
      [post({ role: 'root', name: 'x' }), 'role'],
      [post({ role: 'analyst' }), 'name'],
      [post({ role: 'analyst', name: 'x', extra: 1 }), 'extra'],
      [post({ role: 'analyst', name: 'bad\u0007name' }), 'name'],
      [
        app.inject({
          method: 'POST',
          url: '/v1/keys',
          headers: { ...auth('admin'), 'content-type': 'application/json' },
          payload: '{"role":',
        }),
        undefined,
      ],
      [app.inject({ url: '/v1/matches?limit=0', headers: auth('analyst') }), 'querystring.limit'],
      [app.inject({ url: '/v1/matches?sort=x', headers: auth('analyst') }), 'querystring.sort'],
      [app.inject({ url: '/v1/batches/abc', headers: auth('analyst') }), 'params.id'],
    ];
    for (const [pending, field] of cases) {
      const res = await pending;
      expect([res.statusCode, errorOf(res).code, errorOf(res).field]).toEqual([400, 'invalid_argument', field]);
    }
  });

  it('answers 413 for a JSON body over the limit and 404 for an unknown route', async () => {
    const { app } = api();
    const auth = (role: Role) => api().auth(role);
    const big = await app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: auth('admin'),
      payload: { role: 'analyst', name: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect([big.statusCode, errorOf(big).code]).toEqual([413, 'payload_too_large']);
    const none = await app.inject({ url: '/v1/nothing-here?token=abc' });
    expect([none.statusCode, errorOf(none)]).toEqual([
      404,
      { code: 'not_found', message: 'No route GET /v1/nothing-here' },
    ]);
  });

  it('limits requests per key, and per address when there is no valid key (429)', async () => {
    const app = await api().build({ TIPHASH_RATE_LIMIT_PER_MINUTE: '3' });
    const as = (headers: Record<string, string>) => app.inject({ url: '/v1/audit?limit=1', headers });
    for (let i = 0; i < 3; i++) expect((await as(api().auth('admin'))).statusCode).toBe(200);
    const limited = await as(api().auth('admin'));
    expect([limited.statusCode, errorOf(limited).code]).toEqual([429, 'rate_limited']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another key has its own allowance; bad keys share the address's.
    expect((await as(api().auth('analyst'))).statusCode).toBe(403);
    for (let i = 0; i < 3; i++) expect((await as({ authorization: `Bearer thk_guess${i}` })).statusCode).toBe(401);
    expect((await as({ authorization: 'Bearer thk_guess-again' })).statusCode).toBe(429);
    // Probes are never limited.
    for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('serves probes, metrics and the OpenAPI document without a key', async () => {
    const { app } = api();
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ ready: true, checks: { db: 'ok' } });
    api().readiness.ready = false;
    api().readiness.checks.index = 'loading';
    const notReady = await app.inject({ url: '/readyz' });
    expect([notReady.statusCode, notReady.json()]).toEqual([
      503,
      { ready: false, checks: { db: 'ok', index: 'loading' } },
    ]);
    api().readiness.ready = true;
    const metrics = await app.inject({ url: '/metrics' });
    expect([metrics.statusCode, metrics.headers['content-type'], metrics.body]).toEqual([
      200,
      'text/plain; version=0.0.4',
      'tiphash_items_total 0\n',
    ]);
    const doc = (await app.inject({ url: '/docs/json' })).json<{
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown }>>;
    }>();
    expect(doc.components.securitySchemes.apiKey).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/batches']?.post?.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/healthz']?.get?.security).toBeUndefined();
    expect((await app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('answers 500 `internal` without the cause, logging it under the request id', async () => {
    const failing = Object.assign(Object.create(api().db) as Db, {
      query: () => Promise.reject(new Error('relation secret_table is broken')),
    });
    const app = await api().build({}, { db: failing });
    const res = await app.inject({ url: '/v1/audit', headers: api().auth('admin') });
    const error = errorOf(res);
    expect([res.statusCode, error.code]).toEqual([500, 'internal']);
    expect(error.message).not.toContain('secret_table');
    const line = api().logs.find((l) => l.includes(error.requestId ?? 'no id') && l.includes('"err"'));
    expect(line).toContain('secret_table');
  });

  it('never writes a key or the webhook secret to the log', () => {
    expect(api().logs.length).toBeGreaterThan(50);
    expect(secretsInLogs(api(), [revokedKey])).toEqual([]);
  });
});
