import type { FastifyInstance } from 'fastify';

/**
 * The review page's policy. `img-src 'none'` and `media-src 'none'` make it impossible for
 * the page to load a picture or a video, even by mistake or through injected markup; scripts,
 * styles and requests go to this origin only, and nothing may frame the page.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'none'",
  "media-src 'none'",
  "font-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  // The page builds elements with createElement and textContent only; no string ever becomes markup.
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** API responses are data, never documents to render. /docs keeps the Swagger UI's own needs. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Content types tiphash never sends: pictures, video, sound and opaque bytes. */
export const MEDIA_CONTENT_TYPE = /^\s*(image|video|audio)\/|^\s*application\/octet-stream\b/i;

/**
 * Headers on every response, and a last guard: a response whose content type is media is
 * replaced by a 404 before it leaves. No tiphash route produces one; the guard keeps a
 * plugin's static files (the Swagger UI's favicons and logo) or a future route from doing so.
 * Call before registering plugins so that their scopes inherit the hook.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    void reply.header('cross-origin-resource-policy', 'same-origin');
    void reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    if (!reply.hasHeader('content-security-policy') && !request.url.startsWith('/docs')) {
      void reply.header('content-security-policy', API_CSP);
    }
    const type = reply.getHeader('content-type');
    if (typeof type !== 'string' || !MEDIA_CONTENT_TYPE.test(type)) return payload;
    if (
      payload !== null &&
      typeof payload === 'object' &&
      'destroy' in payload &&
      typeof payload.destroy === 'function'
    ) {
      (payload as { destroy(): void }).destroy();
    }
    for (const h of ['content-length', 'content-disposition', 'etag', 'last-modified', 'accept-ranges']) {
      reply.removeHeader(h);
    }
    request.log.warn({ contentType: type }, 'a media response was withheld');
    void reply.code(404).header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify({
      error: { code: 'not_found', message: `tiphash serves no media; a ${type} response was withheld` },
    });
  });
}
