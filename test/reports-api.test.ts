import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPORT_CSV_COLUMNS } from '../src/reports/csv.js';
import type { CaseReport } from '../src/reports/index.js';
import { canonicalJson, createBatch, listAudit, verifyAudit } from '../src/store/index.js';
import { errorOf, useApi } from './api-helpers.js';
import { seedReportBatch, type Seeded } from './reports-seed.js';
import { repoRoot } from './shared.js';
import { backends } from './store-backends.js';

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;
const FORBIDDEN_ELEMENTS =
  /<(img|video|audio|source|picture|script|iframe|frame|object|embed|svg|canvas|track|link|base)\b/i;

function headerDigest(res: LightMyRequestResponse): string {
  const value = String(res.headers['x-tiphash-report-digest']);
  expect(value).toMatch(/^sha256=[0-9a-f]{64}$/);
  return value.slice('sha256='.length);
}

describe.each(backends())('case reports over the API on %s', (backend) => {
  const api = useApi(backend);
  let seeded: Seeded;
  let otherBatch = 0;

  beforeAll(async () => {
    seeded = await seedReportBatch(api().db, api().keys.submitter);
    const other = await createBatch(api().db, {
      caseRef: 'OTHER',
      submitterKeyId: api().keys.submitter2.id,
      submitterName: api().keys.submitter2.name,
      kind: 'investigator',
      receivedAt: new Date(),
      items: [{ sourceKind: 'url', sourceLabel: 'https://example.org/x.jpg' }],
    });
    otherBatch = other.batchId;
  });

  const get = (
    role: Parameters<ReturnType<typeof api>['auth']>[0],
    query = '',
    headers: Record<string, string> = {},
    batch?: number,
  ) =>
    api().app.inject({
      url: `/v1/batches/${batch ?? seeded.batchId}/report${query}`,
      headers: { ...api().auth(role), ...headers },
    });

  it('JSON: the case, the list versions used, every item with digests, matches and reviews, and the digest of the data', async () => {
    const res = await get('analyst');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const report = res.json<CaseReport>();
    const { digest, ...body } = report;
    expect(digest.sha256).toBe(headerDigest(res));
    expect(sha256(canonicalJson(body))).toBe(digest.sha256);

    expect(report.schema).toBe('tiphash.case-report/1');
    expect(report.tiphashVersion).toBe(PACKAGE_VERSION);
    expect(report.generatedBy).toBe(api().keys.analyst.name);
    expect(report.batch).toEqual({
      id: seeded.batchId,
      caseRef: seeded.caseRef,
      kind: 'investigator',
      tipId: null,
      submittedBy: api().keys.submitter.name,
      receivedAt: '2025-11-20T03:04:05.000Z',
      createdAt: expect.any(String) as string,
      items: 6,
    });
    expect(report.summary).toEqual({
      status: 'done',
      finishedAt: expect.any(String) as string,
      items: { queued: 0, processing: 0, matched: 3, no_match: 2, failed: 1 },
      matches: 4,
      outcomes: { confirmed: 1, false_positive: 1, escalate: 0, unreviewed: 2 },
    });
    const { a, b } = seeded.lists;
    expect(report.lists.map((l) => [l.id, l.name, l.source, l.version, l.importedBy, l.format])).toEqual(
      [
        [a.id, a.name, 'partner feed A', 1, 'admin-lists', 'tiphash-csv'],
        [a.id, a.name, 'partner feed A', 2, 'admin-lists', 'tiphash-csv'],
        [b.id, b.name, 'partner feed B', 1, 'admin-lists', 'tiphash-csv'],
      ].sort((x, y) => String(x[1]).localeCompare(String(y[1])) || Number(x[3]) - Number(y[3])),
    );
    expect(report.listsEnabled).toEqual(
      expect.arrayContaining([
        { id: a.id, name: a.name, source: 'partner feed A', kind: 'block', currentVersion: 2 },
        { id: b.id, name: b.name, source: 'partner feed B', kind: 'block', currentVersion: 1 },
      ]),
    );

    const [one, two, three, , five, six] = report.items;
    expect(report.items.map((i) => [i.seq, i.status])).toEqual([
      [1, 'matched'],
      [2, 'matched'],
      [3, 'failed'],
      [4, 'no_match'],
      [5, 'no_match'],
      [6, 'matched'],
    ]);
    expect(one).toMatchObject({
      source: 'IMG_0001.jpg',
      sha256: seeded.sha256[0],
      size: 1000,
      width: 640,
      height: 480,
    });
    expect(one!.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(one!.sha1).toMatch(/^[0-9a-f]{40}$/);
    // Digest matches first, then by distance.
    expect(one!.matches.map((m) => [m.algorithm, m.list.name, m.list.version, m.entry.externalId, m.score])).toEqual([
      ['md5', b.name, 1, 'B-7', 100],
      ['pdq', a.name, 1, 'A-100', 93],
    ]);
    expect(one!.matches[1]).toMatchObject({
      id: seeded.matchIds[0],
      distance: 4,
      threshold: 31,
      quality: 90,
      via: 'rot90',
      category: 'A1',
      lowConfidence: false,
      video: null,
      outcome: 'confirmed',
      reviews: [
        { verdict: 'escalate', reviewer: 'analyst-somchai', note: null },
        { verdict: 'confirmed', reviewer: 'analyst-malee', note: 'ตรงกับภาพในบัญชี A-100 <ยืนยัน>' },
      ],
    });
    expect(one!.matches[0]).toMatchObject({ outcome: null, reviews: [] });
    expect(two!.matches[0]).toMatchObject({
      list: { version: 2 },
      lowConfidence: true,
      quality: 30,
      outcome: 'false_positive',
    });
    expect(three).toMatchObject({
      status: 'failed',
      matches: [],
      error: { code: 'corrupt_media', message: 'The JPEG ends early: truncated after 512 of 2048 bytes' },
    });
    expect(five).toMatchObject({ sourceKind: 'digest', sha256: seeded.sha256[4], md5: null, size: null, matches: [] });
    expect(six!.matches[0]).toMatchObject({
      algorithm: 'vpdq',
      score: 85,
      video: {
        queryPct: 80,
        comparedPct: 75.5,
        ranges: [
          [0, 4.5],
          [62, 70],
        ],
      },
    });
  });

  it('records each report in the audit log with its data digest and the SHA-256 of the bytes delivered', async () => {
    const res = await get('analyst', '?format=csv');
    const digest = headerDigest(res);
    const rows = (await listAudit(api().db, { limit: 1000 })).filter(
      (r) => r.action === 'report.generate' && r.details.digest === digest,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        actor: api().keys.analyst.name,
        target: `batch:${seeded.batchId}`,
        details: { format: 'csv', digest, contentSha256: sha256(res.rawPayload), complete: true, items: 6, matches: 4 },
      }),
    ]);
    expect(await verifyAudit(api().db)).toMatchObject({ ok: true });
  });

  it('CSV: one spreadsheet table, a row per match, with the case on every row and the review columns', async () => {
    const res = await get('submitter', '?format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="tiphash-report-batch-${seeded.batchId}.csv"`,
    );
    headerDigest(res);
    expect(res.body.startsWith('\ufeffcase_ref,batch_id,seq,status,source,')).toBe(true);
    const rows = parseCsv<Record<(typeof REPORT_CSV_COLUMNS)[number], string>>(res.body, { bom: true, columns: true });
    expect(Object.keys(rows[0]!)).toEqual([...REPORT_CSV_COLUMNS]);
    expect(rows.map((r) => [r.seq, r.status, r.algorithm])).toEqual([
      ['1', 'matched', 'md5'],
      ['1', 'matched', 'pdq'],
      ['2', 'matched', 'pdq'],
      ['3', 'failed', ''],
      ['4', 'no_match', ''],
      ['5', 'no_match', ''],
      ['6', 'matched', 'vpdq'],
    ]);
    expect(new Set(rows.map((r) => `${r.case_ref}|${r.batch_id}`))).toEqual(
      new Set([`${seeded.caseRef}|${seeded.batchId}`]),
    );
    expect(rows[1]).toMatchObject({
      sha256: seeded.sha256[0],
      list_source: 'partner feed A',
      list_version: '1',
      entry_id: 'A-100',
      score: '93',
      review: 'confirmed',
      reviewed_by: 'analyst-malee',
      review_note: 'ตรงกับภาพในบัญชี A-100 <ยืนยัน>',
      review_count: '2',
    });
    expect(rows[2]).toMatchObject({ low_confidence: 'true', list_version: '2', review: 'false_positive' });
    expect(rows[3]).toMatchObject({ error_code: 'corrupt_media', list: '', review: '' });
    expect(rows[5]).toMatchObject({ sha256: seeded.sha256[4], md5: '' });
    expect(rows[6]).toMatchObject({ query_pct: '80', compared_pct: '75.5', matched_ranges: '0-4.5 62-70' });
  });

  it('HTML: self-contained and printable, no element that could load media or run code, a strict CSP', async () => {
    const res = await get('analyst', '?format=html&tz=Asia/Bangkok');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.body;
    expect(html).not.toMatch(FORBIDDEN_ELEMENTS);
    expect(html).not.toMatch(/\son[a-z]+\s*=|javascript:|url\(|@import|src=|href=/i);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
    expect(csp).toBe(res.headers['content-security-policy']);
    expect(csp).toContain("img-src 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    // The only style admitted is the document's own, by hash.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    expect(csp).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(style).toContain('size: A4');
    expect(style).toContain('display: table-header-group');

    const digest = headerDigest(res);
    expect(html).toContain(`<meta name="tiphash-report-digest" content="sha256:${digest}">`);
    // Printed at the top and in the closing section, in two halves that wrap evenly.
    expect(html.split(`${digest.slice(0, 32)}<wbr>${digest.slice(32)}`)).toHaveLength(3);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Case report');
    // Store text is escaped: the case reference and a note both carry < > and quotes.
    expect(html).toContain('&quot;Bangkok&quot; &lt;ร้าน&gt;');
    expect(html).not.toContain('<ร้าน>');
    expect(html).toContain('ตรงกับภาพในบัญชี A-100 &lt;ยืนยัน&gt;');
    expect(html).toContain('20 Nov 2025 10:04:05');
    expect(html).toContain('Asia/Bangkok (GMT+7)');
    expect(html).toContain('Frames matched: 80% of this video, 75.5% of the listed video; at 0:00–0:04.5, 1:02–1:10');
  });

  it('HTML in Thai, with Buddhist-era dates by default and Gregorian on request', async () => {
    const th = (await get('analyst', '?format=html&lang=th&tz=Asia/Bangkok')).body;
    expect(th).toContain('<html lang="th">');
    for (const label of [
      'รายงานผลการตรวจสอบประกอบสำนวนคดี',
      'เลขอ้างอิงคดี',
      'บัญชีค่าแฮชที่ใช้เทียบ',
      'ยืนยันแล้ว',
      'ผลบวกลวง (ไม่ใช่)',
      'ตรวจไม่สำเร็จ',
      'ไฟล์เสียหาย ถอดรหัสไม่ได้',
      'ค่าแฮชคุณภาพต่ำ',
    ])
      expect(th).toContain(label);
    expect(th).toContain('20 พ.ย. 2568 10:04:05');
    expect((await get('analyst', '?format=html&lang=th&calendar=gregory&tz=Asia/Bangkok')).body).toContain(
      '20 พ.ย. 2025 10:04:05',
    );
    expect((await get('analyst', '?format=html&calendar=buddhist&tz=UTC')).body).toContain('20 Nov 2568 BE 03:04:05');
    const bad = await get('analyst', '?format=html&tz=Mars/Olympus');
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).code).toBe('invalid_argument');
    expect((await get('analyst', '?lang=fr')).statusCode).toBe(400);
  });

  it('chooses the format from the Accept header when ?format= is absent', async () => {
    expect((await get('analyst', '', { accept: 'text/csv' })).headers['content-type']).toBe('text/csv; charset=utf-8');
    expect((await get('analyst', '', { accept: 'text/html,application/json;q=0.5' })).headers['content-type']).toBe(
      'text/html; charset=utf-8',
    );
    expect((await get('analyst', '', { accept: '*/*' })).headers['content-type']).toBe(
      'application/json; charset=utf-8',
    );
  });

  it('admits the batch owner, analysts and admins; someone else gets 404, no key 401', async () => {
    for (const role of ['submitter', 'analyst', 'admin'] as const) expect((await get(role)).statusCode).toBe(200);
    for (const role of ['submitter2', 'intake'] as const) {
      const res = await get(role);
      expect(res.statusCode).toBe(404);
      expect(errorOf(res).code).toBe('not_found');
    }
    expect((await get('submitter2', '', {}, otherBatch)).statusCode).toBe(200);
    expect((await get('submitter', '', {}, otherBatch)).statusCode).toBe(404);
    expect((await api().app.inject({ url: `/v1/batches/${seeded.batchId}/report` })).statusCode).toBe(401);
    expect((await get('analyst', '', {}, 999_999)).statusCode).toBe(404);
  });

  it('GET /v1/reports/:sha256 says whether a digest or a file hash was issued, when and by whom', async () => {
    const res = await get('submitter', '?format=html');
    const digest = headerDigest(res);
    const ask = (role: 'analyst' | 'submitter' | 'submitter2', sha: string) =>
      api().app.inject({ url: `/v1/reports/${sha}`, headers: api().auth(role) });
    const byData = await ask('analyst', digest.toUpperCase());
    expect(byData.statusCode).toBe(200);
    expect(byData.json()).toEqual({
      sha256: digest,
      issued: [
        {
          auditId: expect.any(Number) as number,
          at: expect.any(String) as string,
          actor: api().keys.submitter.name,
          batchId: seeded.batchId,
          format: 'html',
          digest,
          contentSha256: sha256(res.rawPayload),
          complete: true,
          items: 6,
          matches: 4,
          matchedBy: 'data',
        },
      ],
    });
    const byFile = await ask('submitter', sha256(res.rawPayload));
    expect(byFile.json<{ issued: Array<{ matchedBy: string }> }>().issued.map((i) => i.matchedBy)).toEqual(['file']);
    expect((await ask('submitter2', digest)).statusCode).toBe(404);
    expect((await ask('analyst', sha256('never issued'))).statusCode).toBe(404);
    expect((await ask('analyst', 'abc')).statusCode).toBe(400);
  });

  it('HEAD is not served: it would generate and audit a report only to discard it', async () => {
    const res = await api().app.inject({
      method: 'HEAD',
      url: `/v1/batches/${seeded.batchId}/report`,
      headers: api().auth('analyst'),
    });
    expect(res.statusCode).toBe(404);
  });
});
