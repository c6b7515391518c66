import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler, RouteOptions } from 'fastify';
import { AppError } from '../core/errors.js';
import { verifyApiKey, type Db, type Role } from '../store/index.js';

export interface Principal {
  id: number;
  name: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The roles a route admits (admin is always admitted); `public` for health, metrics and docs. */
    auth?: readonly Role[] | 'public';
  }
  interface FastifyRequest {
    principal: Principal | null;
    authFailure: AppError | null;
  }
}

/** Route config for admin-only routes (admin is admitted everywhere). */
export const ADMIN_ONLY = { auth: [] as readonly Role[] };

const BEARER = /^Bearer\s+(\S+)$/i;

/** The caller's key, known to be valid and of an admitted role: only call from authenticated routes. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`Expected an authenticated request on ${request.routeOptions.url}`);
  return request.principal;
}

/**
 * Authentication runs in three onRequest steps, before any body is read:
 * 1. identify the key (a hash lookup) and remember a failure without answering yet;
 * 2. the rate limiter, keyed by the key's id, or by IP address when there is no valid key —
 *    so a flood of bad keys is limited like any other traffic;
 * 3. answer 401 for a missing, unknown or revoked key, 403 for a role the route does not admit.
 * Every /v1 route must declare `config.auth`; a route without it fails at startup, so none can
 * be left open by omission. Call after registering @fastify/rate-limit and before any route.
 */
export function installAuth(app: FastifyInstance, db: Db): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('authFailure', null);

  const identify: onRequestAsyncHookHandler = async (request) => {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) {
      request.authFailure = new AppError('unauthorized', 'Expected an Authorization: Bearer <API key> header');
      return;
    }
    const key = await verifyApiKey(db, match[1]!);
    if (key) request.principal = key;
    else request.authFailure = new AppError('unauthorized', 'The API key is unknown or has been revoked');
  };

  const enforce =
    (roles: readonly Role[]): onRequestAsyncHookHandler =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.authFailure) {
        void reply.header('www-authenticate', 'Bearer');
        throw request.authFailure;
      }
      const role = request.principal?.role;
      if (role !== 'admin' && (role === undefined || !roles.includes(role))) {
        throw new AppError(
          'forbidden',
          `This endpoint admits the ${[...roles, 'admin'].join(' or ')} role; this key has the ${role ?? 'no'} role`,
        );
      }
    };

  app.addHook('onRoute', (route: RouteOptions) => {
    const auth = route.config?.auth;
    if (auth === 'public') return;
    if (auth === undefined) {
      if (route.url.startsWith('/v1/'))
        throw new Error(`Route ${String(route.method)} ${route.url} declares no config.auth`);
      return;
    }
    const existing =
      route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [identify, ...existing, enforce(auth)];
    route.schema = {
      ...route.schema,
      security: [{ apiKey: [] }],
      description: `${route.schema?.description ?? ''}\n\nRoles: ${[...auth, 'admin'].join(', ')}.`.trim(),
    };
  });
}

/** The rate limiter's bucket: one per valid key, else one per client address. */
export function rateLimitKey(request: FastifyRequest): string {
  return request.principal ? `key:${request.principal.id}` : `ip:${request.ip}`;
}
