import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { AppError, invalidArgument } from '../core/errors.js';
import {
  CALENDARS,
  generateReport,
  LANGS,
  REPORT_FORMATS,
  verifyReport,
  viewOptions,
  type Calendar,
  type Lang,
  type ReportFormat,
  type ReportVerdict,
} from '../reports/index.js';
import { getBatch } from '../store/index.js';
import type { ReportIssue } from '../store/reports.js';
import { parse, positiveInt } from './args.js';
import { cliActor, openConfiguredStore, withStore, type OpenStore } from './store-command.js';

const HELP = `Usage: tiphash report BATCH [--format json|csv|html] [--out FILE] [--lang en|th]
                      [--calendar gregory|buddhist] [--tz ZONE]
       tiphash report verify FILE [--offline]

The first form writes the case report of batch BATCH (JSON by default) to stdout or FILE,
records it in the audit log, and prints its digest on stderr. HTML is printable (print to
PDF from a browser); --lang th gives Thai labels and Buddhist-era dates (--calendar gregory
for Gregorian), --tz the time zone shown (default: this machine's).

\`verify\` checks a copy: for a JSON report, that its data still hashes to the digest it
carries; for any format, that the audit log recorded issuing it (the same data, or these
exact bytes). Exit 0 when it verifies, 1 when it does not. --offline skips the audit log:
only a JSON copy's data can be checked then, not that this service issued it.`;

function oneOf<T extends string>(allowed: readonly T[], what: string, value: string | undefined): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw invalidArgument(`one of ${allowed.join(', ')}`, what, value);
  return value as T;
}

async function writeAll(chunks: AsyncIterable<string>, out: NodeJS.WritableStream): Promise<void> {
  for await (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
}

export async function reportCommand(argv: string[], open: OpenStore = openConfiguredStore): Promise<number> {
  const { values, positionals } = parse(argv, {
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    lang: { type: 'string' },
    calendar: { type: 'string' },
    tz: { type: 'string' },
    offline: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const [first, ...rest] = positionals;
  if (values.help || first === undefined) {
    process.stdout.write(HELP + '\n');
    return values.help ? 0 : 2;
  }
  if (first === 'verify') {
    if (rest[0] === undefined) throw invalidArgument('a report file', 'tiphash report verify', 'nothing');
    return verifyCommand(rest[0], values.offline === true, open);
  }
  const batchId = positiveInt(first, 'the batch id', 0);
  const format = oneOf(Object.keys(REPORT_FORMATS) as ReportFormat[], '--format', values.format) ?? 'json';
  const view = viewOptions({
    lang: oneOf<Lang>(LANGS, '--lang', values.lang),
    calendar: oneOf<Calendar>(CALENDARS, '--calendar', values.calendar),
    tz: values.tz,
  });
  const report = await withStore(open, async (db) => {
    const batch = await getBatch(db, batchId);
    if (!batch) throw new AppError('not_found', `No batch with id ${batchId}`);
    const r = await generateReport(db, batch, { format, actor: cliActor(), view });
    if (values.out === undefined) {
      await writeAll(r.body, process.stdout);
      return r;
    }
    const file = createWriteStream(values.out);
    try {
      await writeAll(r.body, file);
      file.end();
      await once(file, 'finish');
    } catch (err) {
      file.destroy();
      await rm(values.out, { force: true });
      throw err;
    }
    return r;
  });
  process.stderr.write(
    `Report of batch ${batchId} (${report.items} items, ${report.matches} matches, ${format}) recorded in the audit log.\n` +
      `digest sha256=${report.digest}\n`,
  );
  return 0;
}

function issueLine(i: ReportIssue, how: string): string {
  const d = i.details;
  return `${i.target ?? '?'} as ${String(d.format)} at ${i.at.toISOString()} by ${i.actor} (audit row ${i.auditId}, ${how})`;
}

function describe(file: string, v: ReportVerdict, offline: boolean): string {
  const { inspection: x } = v;
  const lines = [`file     ${file}`, `sha256   ${x.fileSha256}`];
  if (x.kind === 'json') {
    lines.push(
      v.intact
        ? `data     intact: it hashes to the digest it carries, ${x.computed}`
        : `data     ALTERED: it carries digest ${x.claimed ?? 'none'} but hashes to ${x.computed}`,
    );
  } else {
    lines.push(
      x.claimed === null
        ? 'data     not a JSON report: only its exact bytes can be looked up'
        : `data     the document names report ${x.claimed}; its exact bytes are looked up`,
    );
  }
  if (offline) {
    lines.push('issued   not checked (--offline)');
  } else {
    const found = [
      ...(v.issuedAsData ?? []).map((i) => issueLine(i, 'the same data')),
      ...(v.issuedAsFile ?? []).map((i) => issueLine(i, 'these exact bytes')),
    ];
    lines.push(...(found.length === 0 ? ['issued   NOT FOUND in the audit log'] : found.map((f) => `issued   ${f}`)));
  }
  lines.push(`result   ${v.ok ? (offline ? 'OK (data intact; origin not checked)' : 'OK') : 'FAILED'}`);
  return lines.join('\n') + '\n';
}

async function verifyCommand(file: string, offline: boolean, open: OpenStore): Promise<number> {
  const bytes = await readFile(file).catch((err: unknown) => {
    throw new AppError('unreadable', `Cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  });
  const verdict = offline ? await verifyReport(null, bytes) : await withStore(open, (db) => verifyReport(db, bytes));
  process.stdout.write(describe(file, verdict, offline));
  return verdict.ok ? 0 : 1;
}
