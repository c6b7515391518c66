import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError, isAppError } from '../../core/errors.js';
import {
  CALENDARS,
  generateReport,
  LANGS,
  REPORT_FORMATS,
  viewOptions,
  type Calendar,
  type Lang,
  type ReportFormat,
} from '../../reports/index.js';
import { reportIssues, type ReportIssue } from '../../store/reports.js';
import { principalOf, type Principal } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { negotiateAmong } from '../results.js';
import { dateTime, errorResponses, hex, idParams, type IdParams } from '../schemas.js';
import { readableBatch } from './batches.js';

interface ReportQuery {
  format?: ReportFormat;
  lang?: Lang;
  calendar?: Calendar;
  tz?: string;
}

const issueSchema = {
  type: 'object',
  properties: {
    auditId: { type: 'integer', description: 'The audit log row that recorded the report' },
    at: dateTime,
    actor: { type: 'string', description: 'Who generated it' },
    batchId: { type: 'integer' },
    format: { type: 'string', enum: Object.keys(REPORT_FORMATS) },
    digest: { type: 'string', description: "SHA-256 of the report's canonical JSON data" },
    contentSha256: { type: 'string', description: 'SHA-256 of the bytes delivered (complete downloads)' },
    complete: { type: 'boolean' },
    items: { type: 'integer' },
    matches: { type: 'integer' },
    matchedBy: {
      type: 'string',
      enum: ['data', 'file'],
      description: 'Whether the digest asked for is the data digest or the file hash',
    },
  },
} as const;

const BATCH_TARGET = /^batch:(\d+)$/;

/** Case reports of a batch, and the lookup that tells whether a report digest was issued. */
export function reportRoutes(app: FastifyInstance, deps: AppDeps): void {
  const readers = { auth: ['submitter', 'intake', 'analyst'] as const };

  app.get<{ Params: IdParams; Querystring: ReportQuery }>(
    '/v1/batches/:id/report',
    {
      config: readers,
      // A HEAD would generate (and audit) a whole report only to discard it.
      exposeHeadRoute: false,
      schema: {
        summary: "A batch's case report: JSON, CSV or printable HTML",
        description:
          'By ?format= or the Accept header (application/json, text/csv, text/html); JSON by default. ' +
          'Case, submitter, times, the list versions matched against, every item with its digests, verdict, ' +
          'matches and their reviews. No media. The X-Tiphash-Report-Digest header carries the SHA-256 of the ' +
          "report's canonical JSON data (also inside the JSON and HTML); the audit log records it with the " +
          'SHA-256 of the bytes delivered. HTML: ?lang=en|th, ?calendar=gregory|buddhist (Thai defaults to ' +
          "Buddhist), ?tz= an IANA zone (default: the server's). Submitter and intake keys get only their own batches.",
        tags: ['reports'],
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            format: { type: 'string', enum: Object.keys(REPORT_FORMATS) },
            lang: { type: 'string', enum: LANGS },
            calendar: { type: 'string', enum: CALENDARS },
            tz: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+/-]+$' },
          },
        },
        produces: Object.values(REPORT_FORMATS),
        response: {
          200: {
            description: 'The report, streamed',
            content: Object.fromEntries(Object.values(REPORT_FORMATS).map((t) => [t, { schema: {} }])),
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const batch = await readableBatch(deps, principal, request.params.id);
      const { format: asked, lang, calendar, tz } = request.query;
      const format = asked ?? negotiateAmong(request.headers.accept, REPORT_FORMATS, 'json');
      const view = viewOptions({ lang, calendar, tz });
      const report = await generateReport(deps.db, batch, { format, actor: principal.name, view });
      void reply
        .header('x-tiphash-report-digest', `sha256=${report.digest}`)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `${format === 'csv' ? 'attachment' : 'inline'}; filename="${report.filename}"`);
      if (report.csp !== null) void reply.header('content-security-policy', report.csp);
      return reply.type(report.contentType).send(Readable.from(report.body, { objectMode: false }));
    },
  );

  async function readable(principal: Principal, batchId: number): Promise<boolean> {
    try {
      await readableBatch(deps, principal, batchId);
      return true;
    } catch (err) {
      if (isAppError(err) && err.code === 'not_found') return false;
      throw err;
    }
  }

  app.get<{ Params: { sha256: string } }>(
    '/v1/reports/:sha256',
    {
      config: readers,
      schema: {
        summary: 'Was a report with this digest issued? When, for which batch, by whom',
        description:
          "The SHA-256 is a report's data digest (X-Tiphash-Report-Digest, the JSON's digest.sha256, the HTML's " +
          'printed digest) or the SHA-256 of a downloaded file. Answers from the audit log; 404 when no report ' +
          'you may read has it. `tiphash report verify FILE` checks a file the same way and recomputes a JSON copy.',
        tags: ['reports'],
        params: { type: 'object', required: ['sha256'], properties: { sha256: hex(64) } },
        response: {
          200: {
            type: 'object',
            properties: { sha256: { type: 'string' }, issued: { type: 'array', items: issueSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const sha256 = request.params.sha256.toLowerCase();
      const issued = [];
      for (const issue of await reportIssues(deps.db, sha256)) {
        const batchId = Number(BATCH_TARGET.exec(issue.target ?? '')?.[1]);
        if (Number.isSafeInteger(batchId) && (await readable(principal, batchId)))
          issued.push(issueView(issue, batchId, sha256));
      }
      if (issued.length === 0)
        throw new AppError('not_found', `No report you may read was issued with SHA-256 ${sha256}`);
      return { sha256, issued };
    },
  );
}

function issueView(issue: ReportIssue, batchId: number, sha256: string) {
  return {
    ...issue.details,
    auditId: issue.auditId,
    at: issue.at,
    actor: issue.actor,
    batchId,
    matchedBy: issue.details.digest === sha256 ? 'data' : 'file',
  };
}
