import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { audit, createBatch, getBatch, type Batch, type NewItem } from '../../store/index.js';
import { principalOf, type Principal } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { fieldError } from '../errors.js';
import { negotiate, RESULT_FORMATS, resultChunks, type ResultFormat } from '../results.js';
import { dateTime, errorResponses, idParams, label, nullable, type IdParams } from '../schemas.js';
import { MAX_URL_LENGTH, submittedUrl } from '../submitted-url.js';
import { readUploadForm, removeAll } from '../uploads.js';

/** Roughly the largest JSON body a batch of `maxItems` URLs can need. */
export function itemsBodyLimit(maxItems: number): number {
  return Math.min(maxItems * (MAX_URL_LENGTH + 64) + 64 * 1024, 256 * 1024 * 1024);
}

/**
 * Enqueues the new items. If the queue is down the batch still stands: its items stay
 * `queued` in the store and the service's reconciler enqueues them later.
 */
export async function enqueueItems(
  deps: AppDeps,
  log: FastifyBaseLogger,
  batchId: number,
  items: Array<{ id: number }>,
): Promise<void> {
  try {
    await deps.queue.enqueue(
      'item',
      items.map((i) => ({ itemId: i.id })),
    );
  } catch (err) {
    log.warn({ err, batchId }, 'enqueueing failed; the reconciler will enqueue the batch');
  }
}

/**
 * Submitters and the intake key read the batches they created; analysts and admins read
 * any. Someone else's batch is answered 404, as if it did not exist.
 */
export async function readableBatch(deps: AppDeps, principal: Principal, batchId: number): Promise<Batch> {
  const batch = await getBatch(deps.db, batchId);
  const own = batch?.submitterKeyId === principal.id;
  if (!batch || ((principal.role === 'submitter' || principal.role === 'intake') && !own)) {
    throw new AppError('not_found', `No batch with id ${batchId}`);
  }
  return batch;
}

const createdSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'integer' }, seq: { type: 'integer' }, source: { type: 'string' } },
      },
    },
  },
} as const;

const batchSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    caseRef: nullable({ type: 'string' }),
    kind: { type: 'string', enum: ['investigator', 'tip'] },
    tipId: nullable({ type: 'string' }),
    receivedAt: dateTime,
    createdAt: dateTime,
    items: { type: 'integer' },
    status: { type: 'string', enum: ['running', 'done'], description: 'done once every item is terminal' },
    counts: {
      type: 'object',
      properties: Object.fromEntries(
        ['queued', 'processing', 'matched', 'noMatch', 'failed'].map((k) => [k, { type: 'integer' }]),
      ),
    },
  },
} as const;

interface UrlBatch {
  caseRef: string;
  items: Array<{ url: string }>;
}

export const batchRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { db, config, staging } = deps;
  const { maxUploadBytes, maxBatchItems } = config.limits;
  await app.register(multipart, {
    limits: { fileSize: maxUploadBytes, files: maxBatchItems, fields: 1, fieldSize: 1024 },
  });

  async function create(request: FastifyRequest, caseRef: string, items: NewItem[], onFail?: () => Promise<void>) {
    const principal = principalOf(request);
    const created = await createBatch(db, {
      caseRef,
      submitterKeyId: principal.id,
      submitterName: principal.name,
      kind: 'investigator',
      receivedAt: new Date(),
      items,
    }).catch(async (err: unknown) => {
      await onFail?.();
      throw err;
    });
    await enqueueItems(deps, request.log, created.batchId, created.items);
    return {
      id: created.batchId,
      items: created.items.map((it) => ({ id: it.id, seq: it.seq, source: items[it.seq - 1]?.sourceLabel ?? '' })),
    };
  }

  app.post<{ Body: UrlBatch | undefined }>(
    '/v1/batches',
    {
      config: { auth: ['submitter'] },
      bodyLimit: itemsBodyLimit(maxBatchItems),
      schema: {
        summary: 'Submit a batch: URLs as JSON, or files as multipart/form-data',
        description:
          'JSON: `{caseRef, items: [{url}]}`. Multipart: a `caseRef` field and one or more `file` parts, ' +
          `each at most ${maxUploadBytes} bytes, at most ${maxBatchItems} files; streamed to encrypted staging.`,
        tags: ['batches'],
        body: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['caseRef', 'items'],
                additionalProperties: false,
                properties: {
                  caseRef: label(200),
                  items: {
                    type: 'array',
                    minItems: 1,
                    maxItems: maxBatchItems,
                    items: {
                      type: 'object',
                      required: ['url'],
                      additionalProperties: false,
                      properties: { url: { type: 'string', minLength: 1, maxLength: MAX_URL_LENGTH } },
                    },
                  },
                },
              },
            },
          },
        },
        response: { 201: createdSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (request.isMultipart()) {
        const form = await readUploadForm(request, staging, { maxBytes: maxUploadBytes, maxFiles: maxBatchItems });
        const keys = form.items.map((i) => i.sourceRef ?? '');
        const discard = () => removeAll(staging, keys, request);
        if (form.caseRef === undefined) {
          await discard();
          throw fieldError('caseRef', 'a caseRef field', 'none');
        }
        if (form.items.length === 0) throw fieldError('file', 'at least one file part', 'none');
        return reply.status(201).send(await create(request, form.caseRef, form.items, discard));
      }
      const body = request.body;
      if (body === undefined) throw fieldError('body', 'a JSON or multipart/form-data body', 'none');
      const items = body.items.map((it, i): NewItem => {
        const url = submittedUrl(it.url, `items[${i}].url`);
        return { sourceKind: 'url', sourceLabel: url.label, sourceRef: url.ref };
      });
      return reply.status(201).send(await create(request, body.caseRef, items));
    },
  );

  app.get<{ Params: IdParams }>(
    '/v1/batches/:id',
    {
      config: { auth: ['submitter', 'intake', 'analyst'] },
      schema: {
        summary: "A batch's status and item counts",
        description: 'Submitter and intake keys see only the batches they created.',
        tags: ['batches'],
        params: idParams,
        response: { 200: batchSchema, ...errorResponses },
      },
    },
    async (request) => {
      const batch = await readableBatch(deps, principalOf(request), request.params.id);
      const c = batch.counts;
      return {
        ...batch,
        items: batch.itemCount,
        status: c.queued + c.processing > 0 ? 'running' : 'done',
        counts: {
          queued: c.queued,
          processing: c.processing,
          matched: c.matched,
          noMatch: c.no_match,
          failed: c.failed,
        },
      };
    },
  );

  app.get<{ Params: IdParams; Querystring: { format?: ResultFormat } }>(
    '/v1/batches/:id/results',
    {
      config: { auth: ['submitter', 'intake', 'analyst'] },
      schema: {
        summary: "A batch's per-item results: the scan report's fields plus item id, seq and status",
        description:
          'JSON (default), NDJSON or CSV by the Accept header (application/json, application/x-ndjson, text/csv) ' +
          'or ?format=. Streamed in submission order. Every read is written to the audit log.',
        tags: ['batches'],
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: Object.keys(RESULT_FORMATS) } },
        },
        produces: Object.values(RESULT_FORMATS),
        response: {
          200: {
            description: 'The results, streamed',
            content: Object.fromEntries(Object.values(RESULT_FORMATS).map((t) => [t, { schema: {} }])),
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const batch = await readableBatch(deps, principal, request.params.id);
      const format = request.query.format ?? negotiate(request.headers.accept);
      await audit(db, {
        actor: principal.name,
        action: 'results.read',
        target: `batch:${batch.id}`,
        details: { format },
      });
      const type = RESULT_FORMATS[format];
      return reply
        .type(format === 'json' ? type : `${type}; charset=utf-8`)
        .send(Readable.from(resultChunks(db, batch.id, format), { objectMode: false }));
    },
  );
};
