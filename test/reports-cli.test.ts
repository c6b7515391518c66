import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';
import { reportCommand } from '../src/cli/report.js';
import type { CaseReport } from '../src/reports/index.js';
import { createApiKey, listAudit } from '../src/store/index.js';
import { seedReportBatch, type Seeded } from './reports-seed.js';
import { capture, suiteStore } from './cli-capture.js';
import { backends, useDb } from './store-backends.js';


describe.each(backends())('tiphash report and report verify on %s', (backend) => {
  const db = useDb(backend);
  const open = suiteStore(db);
  let seeded: Seeded;
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tiphash-report-'));
    const key = await createApiKey(db(), { role: 'submitter', name: `inv-cli-${Date.now()}`, createdBy: 'test' });
    seeded = await seedReportBatch(db(), { id: key.id, name: key.name });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const report = (...args: string[]) => capture(() => reportCommand(args, open));

  it('writes a JSON report to a file, prints its digest, audits it, and verifies the copy', async () => {
    const file = join(dir, 'case.json');
    const made = await report(String(seeded.batchId), '--out', file);
    expect(made.code).toBe(0);
    expect(made.stdout).toBe('');
    const digest = /^digest sha256=([0-9a-f]{64})$/m.exec(made.stderr)?.[1];
    const copy = JSON.parse(await readFile(file, 'utf8')) as CaseReport;
    expect(copy.digest.sha256).toBe(digest);
    expect(copy.generatedBy).toMatch(/^cli/);
    expect(copy.items).toHaveLength(6);
    const audited = (await listAudit(db(), { limit: 1000 })).filter((r) => r.details.digest === digest);
    expect(audited.map((r) => [r.action, r.target, r.details.format, r.details.complete])).toEqual([
      ['report.generate', `batch:${seeded.batchId}`, 'json', true],
    ]);

    const ok = await report('verify', file);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`data     intact: it hashes to the digest it carries, ${digest}`);
    expect(ok.stdout).toMatch(
      new RegExp(`issued   batch:${seeded.batchId} as json at .+ \\(audit row \\d+, the same data\\)`),
    );
    expect(ok.stdout).toContain('result   OK\n');

    copy.items[2]!.error!.code = 'unreadable';
    const tampered = join(dir, 'tampered.json');
    await writeFile(tampered, JSON.stringify(copy));
    const bad = await report('verify', tampered);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`data     ALTERED: it carries digest ${digest} but hashes to `);
    expect(bad.stdout).toContain('issued   NOT FOUND in the audit log');
    expect(bad.stdout).toContain('result   FAILED');

    const offline = await report('verify', file, '--offline');
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('result   OK (data intact; origin not checked)');
  });

  it('writes CSV to stdout and Thai HTML to a file; a saved copy verifies by its exact bytes', async () => {
    const csv = await report(String(seeded.batchId), '--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.stdout.startsWith('\ufeffcase_ref,batch_id,seq,status')).toBe(true);
    const saved = join(dir, 'case.csv');
    await writeFile(saved, csv.stdout);
    const ok = await report('verify', saved);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('data     not a JSON report: only its exact bytes can be looked up');
    expect(ok.stdout).toMatch(/issued {3}batch:\d+ as csv at .+ \(audit row \d+, these exact bytes\)/);
    await writeFile(saved, csv.stdout.replace('IMG_0001.jpg', 'IMG_0009.jpg'));
    expect((await report('verify', saved)).code).toBe(1);

    const html = join(dir, 'case.html');
    const made = await report(
      String(seeded.batchId),
      '--format',
      'html',
      '--lang',
      'th',
      '--tz',
      'Asia/Bangkok',
      '--out',
      html,
    );
    expect(made.code).toBe(0);
    const text = await readFile(html, 'utf8');
    expect(text).toContain('รายงานผลการตรวจสอบประกอบสำนวนคดี');
    expect(text).toContain('20 พ.ย. 2568 10:04:05');
    const checked = await report('verify', html);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/data {5}the document names report [0-9a-f]{64}; its exact bytes are looked up/);
  });

  it('refuses bad arguments with a clear error and leaves no partial file', async () => {
    const out = join(dir, 'missing.json');
    await expect(reportCommand(['999999', '--out', out], open)).rejects.toMatchObject({ code: 'not_found' });
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(reportCommand([String(seeded.batchId), '--format', 'pdf'], open)).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('--format') as string,
    });
    await expect(reportCommand([String(seeded.batchId), '--tz', 'Nowhere/Else'], open)).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(reportCommand(['verify', join(dir, 'nope.json')], open)).rejects.toMatchObject({ code: 'unreadable' });
    await expect(reportCommand(['verify'], open)).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('tiphash report is a registered command', () => {
  it('prints its usage', async () => {
    const res = await capture(() => run(['report', '--help']));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('tiphash report verify FILE [--offline]');
    expect((await capture(() => run(['--help']))).stdout).toMatch(/^ {2}report +write a batch's case report/m);
  });
});
