import type { FastifyInstance } from 'fastify';
import { listAudit, verifyAudit, type Db } from '../../store/index.js';
import { ADMIN_ONLY } from '../auth.js';
import { dateTime, errorResponses } from '../schemas.js';

const rowSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: dateTime,
    actor: { type: 'string' },
    action: { type: 'string' },
    target: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    details: { type: 'object', additionalProperties: true },
    prevHash: { type: 'string' },
    hash: { type: 'string' },
  },
} as const;

/** The audit log (admin): read it page by page, and check its hash chain. */
export function auditRoutes(app: FastifyInstance, db: Db): void {
  app.get<{ Querystring: { after: number; limit: number } }>(
    '/v1/audit',
    {
      config: ADMIN_ONLY,
      schema: {
        summary: 'Audit log rows in order, after a row id (pass `next` back as `after`)',
        tags: ['audit'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              rows: { type: 'array', items: rowSchema },
              next: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { after, limit } = request.query;
      const rows = await listAudit(db, { afterId: after, limit });
      const last = rows[rows.length - 1];
      return { rows, next: rows.length < limit || !last ? null : last.id };
    },
  );

  app.get(
    '/v1/audit/verify',
    {
      config: ADMIN_ONLY,
      schema: {
        summary: 'Recompute the hash chain; names the first broken row',
        tags: ['audit'],
        response: {
          200: {
            type: 'object',
            properties: {
              ok: { type: 'boolean' },
              rows: { type: 'integer' },
              brokenId: { type: 'integer' },
              reason: { type: 'string' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => verifyAudit(db),
  );
}
