import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';

/**
 * Probes and metrics answer without a key: orchestrators and Prometheus scrapers do not send
 * one. /metrics carries aggregate counts only (no ids, names, case references or hashes);
 * expose it on a network the scraper alone reaches.
 */
export function healthRoutes(app: FastifyInstance, deps: AppDeps): void {
  const publicRoute = { auth: 'public' as const };

  app.get(
    '/healthz',
    {
      config: publicRoute,
      schema: {
        summary: 'Liveness: the process is up',
        tags: ['health'],
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: publicRoute,
      schema: {
        summary: 'Readiness: the database, the queue and the match index are usable',
        tags: ['health'],
        response: {
          '2xx': { $ref: 'Readiness#' },
          503: { $ref: 'Readiness#' },
        },
      },
    },
    async (request, reply) => {
      const state = await deps.ready().catch((err: unknown) => {
        request.log.warn({ err }, 'readiness probe failed');
        return { ready: false, checks: { probe: 'failed' } };
      });
      return reply.status(state.ready ? 200 : 503).send(state);
    },
  );

  app.get(
    '/metrics',
    {
      config: publicRoute,
      schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['health'] },
    },
    async (_request, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.render()),
  );
}

export const readinessSchema = {
  $id: 'Readiness',
  type: 'object',
  required: ['ready', 'checks'],
  properties: {
    ready: { type: 'boolean' },
    checks: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;
