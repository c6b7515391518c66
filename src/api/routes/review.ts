import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.js';
import { listLists, recentAudit, type Db } from '../../store/index.js';
import { principalOf } from '../auth.js';
import { dateTime, errorResponses, id, nullable } from '../schemas.js';

const str = { type: 'string' } as const;

const activitySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: dateTime,
    actor: str,
    action: str,
    target: nullable(str),
    details: { type: 'object', additionalProperties: true },
  },
} as const;

/** What analysts may know of a list: its provenance, never its entries. */
const listSummarySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: str,
    source: str,
    kind: { type: 'string', enum: ['block', 'allow'] },
    enabled: { type: 'boolean' },
    currentVersion: nullable({ type: 'integer' }),
  },
} as const;

interface ActivityQuery {
  before?: number;
  limit: number;
  all: boolean;
  reads: boolean;
}

/**
 * What the review page needs besides matches and batches: who the key is, the lists to filter
 * by and to add false positives to, and the caller's own recent actions (the audit log is
 * otherwise admin-only; an analyst sees their own rows so they can check what was recorded).
 */
export function reviewRoutes(app: FastifyInstance, db: Db): void {
  app.get(
    '/v1/me',
    {
      config: { auth: ['submitter', 'intake', 'analyst'] },
      schema: {
        summary: "The calling key's name and role",
        tags: ['review'],
        response: {
          200: { type: 'object', properties: { name: str, role: str } },
          ...errorResponses,
        },
      },
    },
    (request, reply) => {
      const { name, role } = principalOf(request);
      return reply.send({ name, role });
    },
  );

  app.get(
    '/v1/review/lists',
    {
      config: { auth: ['analyst'] },
      schema: {
        summary: 'Hash lists by name, source, kind and current version (no entries): filters and allow lists',
        tags: ['review'],
        response: {
          200: { type: 'object', properties: { lists: { type: 'array', items: listSummarySchema } } },
          ...errorResponses,
        },
      },
    },
    async () => ({ lists: await listLists(db) }),
  );

  app.get<{ Querystring: ActivityQuery }>(
    '/v1/activity',
    {
      config: { auth: ['analyst'] },
      schema: {
        summary: "The caller's recent audit rows, newest first (admin: everyone's with all=true)",
        description: 'Rows of `*.read` actions are left out unless reads=true. Pass `next` back as `before`.',
        tags: ['review'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            before: id,
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            all: { type: 'boolean', default: false, description: 'admin only: every actor' },
            reads: { type: 'boolean', default: false },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { rows: { type: 'array', items: activitySchema }, next: nullable({ type: 'integer' }) },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { before, limit, all, reads } = request.query;
      if (all && principal.role !== 'admin') {
        throw new AppError('forbidden', "Only an admin key may read everyone's actions (all=true)");
      }
      const rows = await recentAudit(db, {
        ...(all ? {} : { actor: principal.name }),
        ...(before === undefined ? {} : { beforeId: before }),
        limit,
        reads,
      });
      const last = rows[rows.length - 1];
      return { rows, next: rows.length < limit || !last ? null : last.id };
    },
  );
}
