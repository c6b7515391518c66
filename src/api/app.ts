import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AppError } from '../core/errors.js';
import { installAuth, rateLimitKey } from './auth.js';
import type { AppDeps } from './deps.js';
import { installErrorHandling } from './errors.js';
import { installSecurityHeaders } from './headers.js';
import { auditRoutes } from './routes/audit.js';
import { batchRoutes } from './routes/batches.js';
import { healthRoutes, readinessSchema } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { listRoutes } from './routes/lists.js';
import { matchRoutes } from './routes/matches.js';
import { reportRoutes } from './routes/reports.js';
import { pageRoutes } from './routes/page.js';
import { reviewRoutes } from './routes/review.js';
import { tipRoutes } from './routes/tips.js';
import { errorSchema } from './schemas.js';

export type { AppDeps } from './deps.js';

/** Bodies of ordinary JSON requests; batch, tip and list uploads set their own limits. */
const JSON_BODY_LIMIT = 1024 * 1024;

/**
 * The HTTP API. The caller owns the dependencies (opens them before, closes them after
 * `app.close()`) and calls `listen`. While closing, new requests get 503
 * (return503OnClosing) and requests in flight finish.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Typed as fastify's logger, which pino's satisfies, so that plugins' types accept the instance.
  const logger: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance: logger,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    bodyLimit: JSON_BODY_LIMIT,
    // An unknown property is an error naming it, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  installErrorHandling(app);
  installSecurityHeaders(app);
  app.addSchema(errorSchema);
  app.addSchema(readinessSchema);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'tiphash',
        version: '1',
        description: 'Batches and tip intake in, match metadata out. Never media.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(rateLimit, {
    global: true,
    max: deps.config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    allowList: (request) => request.routeOptions.config.auth === 'public',
    errorResponseBuilder: (_request, context) =>
      new AppError('rate_limited', `Too many requests: at most ${context.max} a minute; retry in ${context.after}`),
  });
  installAuth(app, deps.db);

  healthRoutes(app, deps);
  keyRoutes(app, deps.db);
  listRoutes(app, deps.db);
  matchRoutes(app, deps.db);
  reportRoutes(app, deps);
  auditRoutes(app, deps.db);
  reviewRoutes(app, deps.db);
  await pageRoutes(app);
  // Scopes of their own: multipart parsing, and the raw-body parser of the signed webhook.
  await app.register(batchRoutes, { deps });
  await app.register(tipRoutes, { deps });
  return app;
}
