import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook } from '../src/intake/signature.js';
import { errorOf, secretsInLogs, useApi, WEBHOOK_SECRET } from './api-helpers.js';
import { backends } from './store-backends.js';

const unix = (d: Date) => Math.floor(d.getTime() / 1000);
const tipIdOf = (body: string) => (JSON.parse(body) as { tipId: string }).tipId;

describe.each(backends())('API tip intake on %s', (backend) => {
  const api = useApi(backend);

  function tip(files: object[] = [{ url: 'https://portal.example.org/f/1.jpg?sig=abc' }], extra: object = {}) {
    return JSON.stringify({
      tipId: `TIP-${randomBytes(4).toString('hex')}`,
      receivedAt: '2024-05-01T10:00:00Z',
      files,
      ...extra,
    });
  }

  function deliver(
    body: string,
    opts: { t?: number; secret?: string; header?: string; app?: ReturnType<typeof api>['app'] } = {},
  ) {
    const t = opts.t ?? unix(api().clock.now);
    const header = opts.header ?? signWebhook(opts.secret ?? WEBHOOK_SECRET, body, t);
    return (opts.app ?? api().app).inject({
      method: 'POST',
      url: '/v1/intake/tips',
      headers: { ...api().auth('intake'), 'content-type': 'application/json', 'x-tiphash-signature': header },
      payload: body,
    });
  }

  it('accepts a signed tip (202), creating a tip batch the intake key can read, and enqueues it', async () => {
    const body = tip([
      { url: 'https://portal.example.org/f/1.jpg?sig=abc' },
      { sha256: 'AB'.repeat(32), md5: 'cd'.repeat(16) },
      { md5: 'EF'.repeat(16) },
    ]);
    const res = await deliver(body);
    expect(res.statusCode).toBe(202);
    const { batchId, created } = res.json<{ batchId: number; created: boolean }>();
    expect(created).toBe(true);
    const batch = await api().app.inject({ url: `/v1/batches/${batchId}`, headers: api().auth('intake') });
    expect(batch.json()).toMatchObject({
      kind: 'tip',
      tipId: tipIdOf(body),
      caseRef: null,
      items: 3,
      receivedAt: '2024-05-01T10:00:00.000Z',
    });
    const items = await api().db.query<{
      id: number;
      source_kind: string;
      source_label: string;
      md5: string | null;
      sha256: string | null;
    }>(
      "SELECT id, source_kind, source_label, encode(md5, 'hex') AS md5, encode(sha256, 'hex') AS sha256 FROM items WHERE batch_id = $1 ORDER BY seq",
      [batchId],
    );
    expect(items.map((i) => [i.source_kind, i.source_label, i.md5, i.sha256])).toEqual([
      ['url', 'https://portal.example.org/f/1.jpg?…', null, null],
      ['digest', `sha256:${'ab'.repeat(32)}`, 'cd'.repeat(16), 'ab'.repeat(32)],
      ['digest', `md5:${'ef'.repeat(16)}`, 'ef'.repeat(16), null],
    ]);
    expect(api().queue.items).toEqual(expect.arrayContaining(items.map((i) => i.id)));
  });

  it('refuses a missing, malformed or wrong signature and a changed body (401 signature_invalid)', async () => {
    const body = tip();
    const t = unix(api().clock.now);
    for (const header of [
      '',
      'v1=abc',
      signWebhook('x'.repeat(48), body, t),
      signWebhook(WEBHOOK_SECRET, `${body} `, t),
    ]) {
      const res = await deliver(body, { header });
      expect([res.statusCode, errorOf(res).code]).toEqual([401, 'signature_invalid']);
    }
  });

  it('refuses a genuine signature more than 5 minutes old or ahead (401 signature_expired)', async () => {
    const now = unix(api().clock.now);
    for (const t of [now - 301, now + 301]) {
      const res = await deliver(tip(), { t });
      expect([res.statusCode, errorOf(res).code]).toEqual([401, 'signature_expired']);
    }
    for (const t of [now - 299, now + 299]) expect((await deliver(tip(), { t })).statusCode).toBe(202);
  });

  it('refuses a replayed signature (409) but returns the same batch to a re-delivery signed anew', async () => {
    const body = tip();
    const t = unix(api().clock.now);
    const first = await deliver(body, { t });
    expect(first.statusCode).toBe(202);
    const enqueued = api().queue.items.length;
    const replay = await deliver(body, { t });
    expect([replay.statusCode, errorOf(replay).code]).toEqual([409, 'signature_replayed']);
    const redelivery = await deliver(body, { t: t + 1 });
    expect([redelivery.statusCode, redelivery.json()]).toEqual([
      202,
      { batchId: first.json<{ batchId: number }>().batchId, created: false },
    ]);
    expect(api().queue.items.length).toBe(enqueued);
    const n = await api().db.query<{ n: number }>('SELECT count(*) AS n FROM batches WHERE tip_id = $1', [
      tipIdOf(body),
    ]);
    expect(Number(n[0]!.n)).toBe(1);
  });

  it('validates a signed body after the signature, naming the field, and tolerates unknown fields', async () => {
    const cases: Array<[string, string]> = [
      [tip([{ name: 'x.jpg' }]), 'files[0]'],
      [tip([{ url: 'https://example.org/a', md5: 'a'.repeat(32) }]), 'files[0]'],
      [tip([{ url: 'file:///etc/passwd' }]), 'files[0].url'],
      [tip([{ md5: 'xyz' }]), 'files[0].md5'],
      [tip([]), 'files'],
      [tip(undefined, { receivedAt: 'yesterday' }), 'receivedAt'],
      ['{"tipId":', 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await deliver(body);
      expect([res.statusCode, errorOf(res).code, errorOf(res).field]).toEqual([400, 'invalid_argument', field]);
    }
    expect((await deliver(tip(undefined, { portalVersion: 3, reporter: { kind: 'platform' } }))).statusCode).toBe(202);
  });

  it('answers 503 when no webhook secret is set, and 413 for a body over the limit', async () => {
    const off = await api().build({ TIPHASH_WEBHOOK_SECRET: '' });
    const res = await deliver(tip(), { app: off });
    expect([res.statusCode, errorOf(res).code]).toEqual([503, 'not_configured']);
    expect(errorOf(res).message).toContain('TIPHASH_WEBHOOK_SECRET');
    const small = await api().build({ TIPHASH_MAX_BATCH_ITEMS: '1' });
    const big = await deliver(tip([{ url: 'https://example.org/a' }], { padding: 'x'.repeat(200_000) }), {
      app: small,
    });
    expect([big.statusCode, errorOf(big).code]).toEqual([413, 'payload_too_large']);
  });

  it('never writes a key, the webhook secret, signatures or URL tokens to the log', () => {
    expect(secretsInLogs(api())).toEqual([]);
    expect(api().logs.join('')).not.toMatch(/sig=abc|v1=[0-9a-f]{64}/);
  });
});
