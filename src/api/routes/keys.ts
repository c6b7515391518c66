import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.js';
import { audit, createApiKey, listApiKeys, revokeApiKey, ROLES, type Db, type Role } from '../../store/index.js';
import { ADMIN_ONLY, principalOf } from '../auth.js';
import { dateTime, errorResponses, idParams, label, nullable, type IdParams } from '../schemas.js';

const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    role: { type: 'string', enum: ROLES },
    prefix: { type: 'string', description: 'The first characters of the key, to recognise it' },
    createdBy: { type: 'string' },
    createdAt: dateTime,
    revokedAt: nullable(dateTime),
  },
} as const;

/** Key management (admin). The key itself is returned once, by POST, and never stored. */
export function keyRoutes(app: FastifyInstance, db: Db): void {
  app.post<{ Body: { role: Role; name: string } }>(
    '/v1/keys',
    {
      config: ADMIN_ONLY,
      schema: {
        summary: 'Create an API key; the response is the only time the key is shown',
        tags: ['keys'],
        body: {
          type: 'object',
          required: ['role', 'name'],
          additionalProperties: false,
          properties: { role: { type: 'string', enum: ROLES }, name: label(100) },
        },
        response: {
          201: {
            type: 'object',
            properties: { ...keySchema.properties, key: { type: 'string', description: 'Shown once' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { role, name } = request.body;
      const created = await createApiKey(db, { role, name, createdBy: principalOf(request).name });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/v1/keys',
    {
      config: ADMIN_ONLY,
      schema: {
        summary: 'List API keys (never the keys themselves)',
        tags: ['keys'],
        response: {
          200: { type: 'object', properties: { keys: { type: 'array', items: keySchema } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const keys = await listApiKeys(db);
      await audit(db, { actor: principalOf(request).name, action: 'apikey.list', details: { keys: keys.length } });
      return { keys };
    },
  );

  app.delete<{ Params: IdParams }>(
    '/v1/keys/:id',
    {
      config: ADMIN_ONLY,
      schema: {
        summary: 'Revoke an API key; requests with it are refused from now on',
        tags: ['keys'],
        params: idParams,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!(await revokeApiKey(db, request.params.id, principalOf(request).name))) {
        throw new AppError('not_found', `No active API key with id ${request.params.id}`);
      }
      return reply.status(204).send();
    },
  );
}
