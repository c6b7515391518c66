import { beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../src/reports/digest.js';
import { generateReport, verifyReport, viewOptions, type CaseReport, type ReportFormat } from '../src/reports/index.js';
import {
  addReview,
  createApiKey,
  createBatch,
  getBatch,
  listAudit,
  recordResult,
  type Db,
} from '../src/store/index.js';
import { seedReportBatch, type Seeded } from './reports-seed.js';
import { backends, useDb } from './store-backends.js';

const view = viewOptions({ tz: 'UTC' });

async function generate(db: Db, batchId: number, format: ReportFormat) {
  const batch = await getBatch(db, batchId);
  const report = await generateReport(db, batch!, { format, actor: 'analyst-test', view });
  const chunks: string[] = [];
  for await (const c of report.body) chunks.push(c);
  return { report, chunks, text: chunks.join('') };
}

describe.each(backends())('report digests and verification on %s', (backend) => {
  const db = useDb(backend);
  let seeded: Seeded;
  let submitter: { id: number; name: string };

  beforeAll(async () => {
    const key = await createApiKey(db(), { role: 'submitter', name: `inv-${Date.now()}`, createdBy: 'test' });
    submitter = { id: key.id, name: key.name };
    seeded = await seedReportBatch(db(), submitter);
  });

  it('verifies a JSON copy, even re-indented, and fails it when one field or one byte changes', async () => {
    const { text, report } = await generate(db(), seeded.batchId, 'json');
    const ok = await verifyReport(db(), Buffer.from(text));
    expect(ok).toMatchObject({
      ok: true,
      intact: true,
      inspection: { kind: 'json', claimed: report.digest, computed: report.digest },
    });
    expect(ok.issuedAsData!.map((i) => i.target)).toEqual([`batch:${seeded.batchId}`]);
    expect(ok.issuedAsFile).toHaveLength(1);

    const parsed = JSON.parse(text) as CaseReport;
    const reindented = await verifyReport(db(), Buffer.from(JSON.stringify(parsed, null, 2)));
    expect(reindented).toMatchObject({ ok: true, intact: true, issuedAsFile: [] });

    parsed.items[0]!.matches[1]!.score = 99;
    const edited = await verifyReport(db(), Buffer.from(JSON.stringify(parsed)));
    expect(edited).toMatchObject({ ok: false, intact: false, issuedAsData: [], issuedAsFile: [] });
    // Recomputing the digest after editing makes the copy consistent, but the audit log never issued it.
    const { digest: _old, ...body } = parsed;
    const forged = { ...parsed, digest: { ...parsed.digest, sha256: digestOf(body) } };
    expect(await verifyReport(db(), Buffer.from(JSON.stringify(forged)))).toMatchObject({ ok: false, intact: true });

    const flipped = Buffer.from(text.replace('"IMG_0001.jpg"', '"IMG_0002.jpg"'));
    expect(await verifyReport(db(), flipped)).toMatchObject({ ok: false, intact: false });
    // Offline, only the data's integrity can be known.
    expect(await verifyReport(null, Buffer.from(text))).toMatchObject({ ok: true, intact: true, issuedAsData: null });
    expect(await verifyReport(null, flipped)).toMatchObject({ ok: false, intact: false });
  });

  it('verifies CSV and HTML copies by their exact bytes, and the digest is the same data digest in every format', async () => {
    for (const format of ['csv', 'html'] as const) {
      const { text, report } = await generate(db(), seeded.batchId, format);
      const bytes = Buffer.from(text);
      const ok = await verifyReport(db(), bytes);
      expect(ok).toMatchObject({ ok: true, intact: null, issuedAsData: [] });
      expect(ok.issuedAsFile!.map((i) => i.details.digest)).toEqual([report.digest]);
      expect(ok.inspection.claimed).toBe(format === 'html' ? report.digest : null);
      const altered = Buffer.from(bytes);
      altered.writeUInt8(altered.readUInt8(altered.length - 3) ^ 1, altered.length - 3);
      expect(await verifyReport(db(), altered)).toMatchObject({ ok: false, issuedAsFile: [] });
      expect(await verifyReport(null, bytes)).toMatchObject({ ok: false });
    }
  });

  it('a report of a running batch is one consistent snapshot, even when the batch changes while it is read', async () => {
    const [match] = await db().query<{ entry_id: number; list_id: number; list_version: number }>(
      'SELECT entry_id, list_id, list_version FROM matches WHERE id = $1',
      [seeded.matchIds[0]],
    );
    const created = await createBatch(db(), {
      caseRef: 'RUNNING',
      submitterKeyId: submitter.id,
      submitterName: submitter.name,
      kind: 'tip',
      tipId: `tip-${Date.now()}`,
      receivedAt: new Date(),
      items: [
        { sourceKind: 'url', sourceLabel: 'https://example.org/done.jpg' },
        { sourceKind: 'url', sourceLabel: 'https://example.org/later.jpg' },
      ],
    });
    const [done, later] = created.items.map((i) => i.id);
    const hit = {
      listId: match!.list_id,
      listVersion: match!.list_version,
      entryId: match!.entry_id,
      algorithm: 'pdq' as const,
      distance: 3,
      quality: 80,
      threshold: 31,
      category: null,
      lowConfidence: false,
      score: 94,
    };
    await recordResult(db(), done!, { status: 'matched', hashes: [], matches: [hit] });
    const batch = await getBatch(db(), created.batchId);
    const report = await generateReport(db(), batch!, { format: 'json', actor: 'analyst-test', view });

    // Between the digest pass and the replay: the queued item finishes and a review lands.
    await recordResult(db(), later!, { status: 'matched', hashes: [], matches: [hit] });
    const [doneMatch] = await db().query<{ id: number }>('SELECT id FROM matches WHERE item_id = $1', [done]);
    await addReview(db(), { matchId: doneMatch!.id, verdict: 'confirmed', reviewer: 'analyst-late' });

    let text = '';
    for await (const c of report.body) text += c;
    const { digest, ...body } = JSON.parse(text) as CaseReport;
    expect(digest.sha256).toBe(report.digest);
    expect(digestOf(body)).toBe(report.digest);
    expect(body.batch).toMatchObject({ kind: 'tip', tipId: expect.stringMatching(/^tip-/) as string });
    expect(body.summary).toMatchObject({ status: 'running', finishedAt: null, items: { matched: 1, queued: 1 } });
    expect(body.items.map((i) => [i.status, i.matches.map((m) => m.reviews.length)])).toEqual([
      ['matched', [0]],
      ['queued', []],
    ]);

    const again = JSON.parse((await generate(db(), created.batchId, 'json')).text) as CaseReport;
    expect(again.summary).toMatchObject({ status: 'done', items: { matched: 2, queued: 0 } });
    expect(again.items[0]!.matches[0]!.outcome).toBe('confirmed');
  });

  it('an abandoned download is audited as incomplete, without a content hash', async () => {
    const batch = await getBatch(db(), seeded.batchId);
    const report = await generateReport(db(), batch!, { format: 'html', actor: 'analyst-quit', view });
    await report.body.next();
    await report.body.return(undefined);
    const rows = (await listAudit(db(), { limit: 1000 })).filter((r) => r.actor === 'analyst-quit');
    expect(rows.map((r) => r.details)).toEqual([
      { format: 'html', digest: report.digest, complete: false, items: 6, matches: 4 },
    ]);
  });

  it('streams a batch larger than a page in bounded chunks', async () => {
    const n = 1201;
    const created = await createBatch(db(), {
      caseRef: 'LARGE',
      submitterKeyId: submitter.id,
      submitterName: submitter.name,
      kind: 'investigator',
      receivedAt: new Date(),
      items: Array.from({ length: n }, (_, i) => ({
        sourceKind: 'digest' as const,
        sourceLabel: `md5:${i.toString(16).padStart(32, '0')}`,
        md5: i.toString(16).padStart(32, '0'),
      })),
    });
    for (const format of ['csv', 'json', 'html'] as const) {
      const { chunks, text, report } = await generate(db(), created.batchId, format);
      // A chunk per page of 500 items, plus the document's head (and tail).
      expect(chunks.length).toBeGreaterThanOrEqual(4);
      expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(text.length / 2);
      if (format === 'csv') expect(text.trimEnd().split('\r\n')).toHaveLength(n + 1);
      if (format === 'json') {
        const parsed = JSON.parse(text) as CaseReport;
        expect(parsed.items.map((i) => i.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        expect(parsed.summary.items.queued).toBe(n);
        expect(report.digest).toBe(parsed.digest.sha256);
      }
    }
  });
});
