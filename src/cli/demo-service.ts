/**
 * The second half of `tiphash demo`: the demo folder through the service in its embedded shape
 * (PGlite in a temporary folder, the in-process queue), driven over its real HTTP API as people
 * would drive it — an admin makes keys and a list, an investigator uploads the case and reads the
 * verdicts and the case report, an analyst looks the report up, the admin checks the audit log.
 * Everything it prints is metadata; the temporary folder is removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ApiItem } from '../api/results.js';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../config/logger.js';
import type { MatchRecord } from '../core/match.js';
import { viaLabel } from '../pipeline/report.js';
import { expandSources } from '../pipeline/sources.js';
import { startService, type Service } from '../service/index.js';

export interface ServiceDemoOptions {
  /** The folder uploaded as one batch (walked recursively, in path order). */
  folder: string;
  /** The list file imported as the demo block list. */
  list: string;
  /** How the list file is named on screen. */
  listLabel: string;
  caseRef?: string;
  /** Gives up on the batch after this long (default 60 s). */
  timeoutMs?: number;
  out?: (line: string) => void;
}

const CASE_REF = 'CASE-0142';

class DemoFailure extends Error {}

interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** One API call with a key; anything but 2xx stops the demo with the API's error. */
async function call<T>(
  base: string,
  method: string,
  path: string,
  key: string | undefined,
  body?: { json: unknown } | { raw: string | FormData; type?: string },
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  let payload: string | FormData | undefined;
  if (body && 'json' in body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body.json);
  } else if (body) {
    if (body.type !== undefined) headers['content-type'] = body.type;
    payload = body.raw;
  }
  const res = await fetch(`${base}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await res.text();
  const parsed: unknown =
    (res.headers.get('content-type') ?? '').includes('json') && text !== '' ? JSON.parse(text) : text;
  // /readyz answers 503 with a body while it is not ready yet.
  if (!res.ok && !(path === '/readyz' && res.status === 503)) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new DemoFailure(`${method} ${path} answered ${res.status}${error ? ` ${error.code}: ${error.message}` : ''}`);
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function poll<T>(what: string, deadline: number, check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new DemoFailure(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

const seconds = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)} s`;

/** The best match (highest score) as `list/entry algorithm (via) score N`, plus how many others. */
function bestMatch(matches: readonly MatchRecord[]): string {
  const best = [...matches].sort((a, b) => b.score - a.score)[0];
  if (!best) return '';
  const more = matches.length > 1 ? `, +${matches.length - 1} more` : '';
  return `${best.list}/${best.entryId} ${best.algorithm}${viaLabel(best)} score ${best.score}${more}`;
}

function itemRows(items: readonly ApiItem[]): string[] {
  const rows = items.map((it) => {
    const what = [bestMatch(it.matches), it.error?.code].filter((s) => s !== undefined && s !== '').join('  ');
    return [String(it.seq), it.source, it.verdict ?? it.status, what];
  });
  const cells = [['#', 'FILE', 'VERDICT', 'BEST MATCH (list/entry algorithm score) OR ERROR'], ...rows];
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) =>
    `  ${r[0]!.padStart(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padEnd(widths[2]!)}  ${r[3]}`.trimEnd(),
  );
}

interface BatchView {
  id: number;
  status: 'running' | 'done';
  items: number;
  counts: { queued: number; processing: number; matched: number; noMatch: number; failed: number };
}

/** Runs the service part; 0 when it went through, 2 when it could not (the reason on stderr). */
export async function serviceDemo(opts: ServiceDemoOptions): Promise<number> {
  const out = opts.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const caseRef = opts.caseRef ?? CASE_REF;
  const dataDir = await mkdtemp(join(tmpdir(), 'tiphash-demo-'));
  const adminKey = `demo-admin-${randomBytes(24).toString('base64url')}`;
  const logs: string[] = [];
  let service: Service | undefined;
  let code = 0;
  out('');
  out('Then the same folder through the service, embedded (PGlite and an in-process queue, nothing else to run):');
  try {
    // The user's settings for video and the index apply; the shape, place and keys are the demo's own.
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: '',
      REDIS_URL: '',
      TIPHASH_DATA_DIR: dataDir,
      TIPHASH_STAGING_DIR: '',
      TIPHASH_STAGING_KEY: '',
      TIPHASH_BOOTSTRAP_ADMIN_KEY: adminKey,
      TIPHASH_WEBHOOK_SECRET: '',
      TIPHASH_WORKER_PORT: '',
      TIPHASH_RATE_LIMIT_PER_MINUTE: '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
    });
    const logger = createLogger(config, { write: (line: string) => void logs.push(line) });
    const started = performance.now();
    service = await startService({ role: 'all', config, logger });
    const base = service.url!;
    out(`  service  ${base} up in ${seconds(started)}; data in ${dataDir} (temporary)`);
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);

    // The admin (TIPHASH_BOOTSTRAP_ADMIN_KEY) makes an investigator's and an analyst's key.
    const key = async (role: string, name: string) =>
      (await call<{ key: string }>(base, 'POST', '/v1/keys', adminKey, { json: { role, name } })).body.key;
    const investigator = await key('submitter', 'demo-investigator');
    const analyst = await key('analyst', 'demo-analyst');

    // …and the block list, imported from the same file the scan used.
    const list = (
      await call<{ id: number; name: string }>(base, 'POST', '/v1/lists', adminKey, {
        json: { name: 'demo', source: `${opts.listLabel} (benign demo list)`, kind: 'block', dihedral: true },
      })
    ).body;
    const imported = (
      await call<{ version: number; imported: number; rejectedTotal: number }>(
        base,
        'POST',
        `/v1/lists/${list.id}/entries`,
        adminKey,
        { raw: await readFile(opts.list, 'utf8'), type: 'text/csv' },
      )
    ).body;
    // The workers reload the lists on a change; /readyz says when they have.
    await poll('the workers to load the list', deadline, async () => {
      const r = await call<{ checks: Record<string, string> }>(base, 'GET', '/readyz', undefined);
      return /^ok \([1-9]/.test(r.body.checks.index ?? '') ? true : undefined;
    });
    out(
      `  admin    keys "demo-investigator" (submitter), "demo-analyst" (analyst); list "${list.name}" (dihedral) ` +
        `v${imported.version}: ${imported.imported} entries${imported.rejectedTotal > 0 ? ` (${imported.rejectedTotal} rejected)` : ''}, loaded`,
    );

    // The investigator uploads the folder as one batch, then waits for every item.
    // The folder's files in the order `tiphash scan` walks it.
    const files: string[] = [];
    for await (const src of expandSources([opts.folder])) if (src.kind === 'file') files.push(src.path);
    const form = new FormData();
    form.append('caseRef', caseRef);
    for (const f of files) form.append('file', new Blob([await readFile(f)]), basename(f));
    const uploadedAt = performance.now();
    const batch = (await call<{ id: number }>(base, 'POST', '/v1/batches', investigator, { raw: form })).body;
    const done = await poll(`batch ${batch.id} to finish`, deadline, async () => {
      const b = (await call<BatchView>(base, 'GET', `/v1/batches/${batch.id}`, investigator)).body;
      return b.status === 'done' ? b : undefined;
    });
    out(`  batch    ${batch.id} "${caseRef}": ${files.length} files uploaded by demo-investigator (POST /v1/batches)`);
    const results = (await call<{ items: ApiItem[] }>(base, 'GET', `/v1/batches/${batch.id}/results`, investigator))
      .body;
    for (const row of itemRows(results.items)) out(row);
    const c = done.counts;
    out(
      `  summary  ${done.items} items: ${c.matched} matched, ${c.noMatch} no_match, ${c.failed} failed in ${seconds(uploadedAt)}`,
    );

    // The case report: its digest is recorded in the audit log, so a copy can be checked later.
    const report = await call<unknown>(base, 'GET', `/v1/batches/${batch.id}/report`, investigator);
    const digest = (report.headers.get('x-tiphash-report-digest') ?? '').replace(/^sha256=/, '');
    out(`  report   GET /v1/batches/${batch.id}/report: digest sha256=${digest}`);
    const issued = (
      await call<{ issued: Array<{ actor: string; batchId: number; format: string }> }>(
        base,
        'GET',
        `/v1/reports/${digest}`,
        analyst,
      )
    ).body.issued;
    const queue = (
      await call<{ matches: unknown[] }>(base, 'GET', `/v1/matches?reviewed=false&batchId=${batch.id}`, analyst)
    ).body.matches.length;
    out(
      `  analyst  GET /v1/reports/<digest>: issued to ${issued[0]?.actor ?? '?'} for batch ${issued[0]?.batchId ?? '?'}; ` +
        `${queue} matches await review`,
    );
    const audit = (
      await call<{ ok: boolean; rows: number; brokenId?: number; reason?: string }>(
        base,
        'GET',
        '/v1/audit/verify',
        adminKey,
      )
    ).body;
    if (!audit.ok)
      throw new DemoFailure(`The audit log's hash chain is broken at row ${audit.brokenId}: ${audit.reason}`);
    out(`  audit    GET /v1/audit/verify: ${audit.rows} rows, hash chain intact`);
  } catch (err) {
    code = 2;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`tiphash demo: the service part could not go on: ${message}\n`);
    for (const line of logs) process.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
  } finally {
    await service?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  out(`  stopped  the service closed; ${dataDir} removed`);
  if (code === 0) {
    out(
      'Next: `npm start` runs this service for good (data in ./.tiphash; TIPHASH_BOOTSTRAP_ADMIN_KEY, 32+ characters,',
    );
    out(
      "makes the first admin): the API at http://127.0.0.1:8080/docs, the analysts' review page at http://127.0.0.1:8080/",
    );
  }
  return code;
}
