import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, invalidArgument, isAppError, type ErrorCode } from '../core/errors.js';

/** An argument error that names the offending field, e.g. `items[2].url`. */
export function fieldError(field: string, expected: string, received: unknown): AppError & { field: string } {
  return Object.assign(invalidArgument(expected, field, received), { field });
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `body` + `/items/2/url` → `items[2].url`; a missing or extra property is named too. */
function fieldOf(issue: ValidationIssue, context: string | undefined): string {
  const parts = issue.instancePath.split('/').slice(1);
  const extra = issue.params.missingProperty ?? issue.params.additionalProperty;
  if (typeof extra === 'string') parts.push(extra);
  const path = parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  const where = context === 'body' ? '' : `${context ?? 'request'}.`;
  return path === '' ? (context ?? 'request') : `${where}${path}`;
}

/** Fastify's and its plugins' own errors, by status, as catalogue codes. */
const BY_STATUS: Record<number, ErrorCode> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_type',
  429: 'rate_limited',
};

function fromFastify(err: FastifyError): AppError & { field?: string } {
  if (err.validation && err.validation.length > 0) {
    const issue = err.validation[0] as ValidationIssue;
    const field = fieldOf(issue, err.validationContext);
    const message =
      typeof issue.params.missingProperty === 'string'
        ? `${field} is required`
        : typeof issue.params.additionalProperty === 'string'
          ? `${field} is not a known property`
          : `${field} ${issue.message ?? 'is invalid'}`;
    return Object.assign(new AppError('invalid_argument', message), { field });
  }
  const status = err.statusCode ?? 500;
  if (status === 413) {
    return new AppError('payload_too_large', `The request body is larger than this endpoint accepts (${err.message})`);
  }
  const code = BY_STATUS[status] ?? (status >= 400 && status < 500 ? 'invalid_argument' : 'internal');
  return new AppError(code, code === 'internal' ? 'Internal error' : err.message, { cause: err });
}

/**
 * The one place errors become HTTP: an AppError keeps its catalogue status and message;
 * fastify's own errors (validation, body too large, bad JSON) are mapped to catalogue codes;
 * anything else is `internal` with no detail beyond the request id, and is logged with `err`.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const known = isAppError(err) ? err : fromFastify(err);
    const body: { code: ErrorCode; message: string; field?: string; requestId?: string } = {
      code: known.code,
      message: known.message,
    };
    if ('field' in known && typeof known.field === 'string') body.field = known.field;
    if (known.status >= 500) {
      body.requestId = request.id;
      if (known.code === 'internal') {
        body.message = `Internal error; the server log has the details under request id ${request.id}`;
        request.log.error({ err }, 'request failed');
      } else {
        request.log.warn({ code: known.code }, known.message);
      }
    } else {
      request.log.info({ code: known.code, status: known.status }, 'request refused');
    }
    void reply.status(known.status).send({ error: body });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({
      error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}` },
    });
  });
}
