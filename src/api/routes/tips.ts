import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { SIGNATURE_HEADER, verifyWebhook, type VerifiedSignature } from '../../intake/signature.js';
import { createBatch, recordSignature, type NewItem } from '../../store/index.js';
import { principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { fieldError } from '../errors.js';
import { errorResponses, hex, label } from '../schemas.js';
import { MAX_URL_LENGTH, submittedUrl } from '../submitted-url.js';
import { enqueueItems, itemsBodyLimit } from './batches.js';

type TipFile = { url: string } | { md5?: string; sha1?: string; sha256?: string };

interface Tip {
  tipId: string;
  receivedAt: string;
  files: TipFile[];
}

const DIGESTS = ['sha256', 'sha1', 'md5'] as const;

/** A tip file becomes a URL item, or a digest item matched by its digests alone (no media). */
function tipItem(file: TipFile, i: number): NewItem {
  if ('url' in file) {
    if (DIGESTS.some((d) => d in file)) throw fieldError(`files[${i}]`, 'either url or digests', 'both');
    const url = submittedUrl(file.url, `files[${i}].url`);
    return { sourceKind: 'url', sourceLabel: url.label, sourceRef: url.ref };
  }
  if (!DIGESTS.some((d) => d in file))
    throw fieldError(`files[${i}]`, 'a url or at least one of sha256, sha1, md5', 'none');
  const digests = {
    md5: file.md5?.toLowerCase() ?? null,
    sha1: file.sha1?.toLowerCase() ?? null,
    sha256: file.sha256?.toLowerCase() ?? null,
  };
  // The strongest digest names the item.
  const shown = DIGESTS.find((d) => digests[d] !== null) ?? 'md5';
  return { sourceKind: 'digest', sourceLabel: `${shown}:${digests[shown] ?? ''}`, ...digests };
}

const signatures = new WeakMap<FastifyRequest, VerifiedSignature>();

/**
 * The tip portal's webhook (intake key + HMAC signature; see src/intake/signature.ts). This
 * scope keeps the raw body bytes: the signature is checked over exactly what was sent,
 * before the JSON is parsed or validated. A tip id creates one batch; a re-delivery (signed
 * anew) gets the same batch back, while a replayed signature is refused with 409.
 */
export const tipRoutes: FastifyPluginCallback<{ deps: AppDeps }> = (app, { deps }, done) => {
  const { db, config } = deps;
  const now = deps.now ?? (() => new Date());
  const bodyLimit = itemsBodyLimit(config.limits.maxBatchItems);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_request, body, parsed) =>
    parsed(null, body),
  );

  /** Before the body is parsed or validated: only a genuine, fresh delivery gets that far. */
  function checkSignature(request: FastifyRequest): void {
    if (config.webhookSecret === undefined) {
      throw new AppError('not_configured', 'Tip intake is off: TIPHASH_WEBHOOK_SECRET is not set on this server');
    }
    const raw: unknown = request.body;
    if (!Buffer.isBuffer(raw)) throw fieldError('body', 'a JSON body', 'none');
    const header = request.headers[SIGNATURE_HEADER];
    signatures.set(
      request,
      verifyWebhook(config.webhookSecret, Array.isArray(header) ? header[0] : header, raw, now()),
    );
    try {
      request.body = JSON.parse(raw.toString('utf8')) as Tip;
    } catch {
      throw fieldError('body', 'a JSON body', 'text that is not JSON');
    }
  }

  app.post<{ Body: Tip }>(
    '/v1/intake/tips',
    {
      config: { auth: ['intake'] },
      bodyLimit,
      schema: {
        summary: "The tip portal's webhook: creates a tip batch (signed, see description)",
        description:
          `Header \`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex>\` where v1 = HMAC-SHA256(TIPHASH_WEBHOOK_SECRET, "<t>.<raw body>"). ` +
          'Accepted within 5 minutes of the server clock either side; each signature once (a replay is 409). ' +
          'A re-delivered tipId returns the batch created the first time.',
        tags: ['intake'],
        headers: { type: 'object', properties: { [SIGNATURE_HEADER]: { type: 'string' } } },
        body: {
          type: 'object',
          required: ['tipId', 'receivedAt', 'files'],
          properties: {
            tipId: label(200),
            receivedAt: { type: 'string', format: 'date-time' },
            files: {
              type: 'array',
              minItems: 1,
              maxItems: config.limits.maxBatchItems,
              items: {
                type: 'object',
                properties: {
                  url: { type: 'string', minLength: 1, maxLength: MAX_URL_LENGTH },
                  md5: hex(32),
                  sha1: hex(40),
                  sha256: hex(64),
                },
                description: 'A url, or digests (one at least) of a file the portal holds',
              },
            },
          },
        },
        response: {
          202: {
            type: 'object',
            properties: {
              batchId: { type: 'integer' },
              created: { type: 'boolean', description: 'false for a re-delivered tip' },
            },
          },
          ...errorResponses,
        },
      },
      preValidation: (request, _reply, next) => {
        try {
          checkSignature(request);
          next();
        } catch (err) {
          next(err as Error);
        }
      },
    },
    async (request, reply) => {
      const tip = request.body;
      const signature = signatures.get(request)!;
      const principal = principalOf(request);
      const created = await createBatch(db, {
        submitterKeyId: principal.id,
        submitterName: principal.name,
        kind: 'tip',
        tipId: tip.tipId,
        receivedAt: new Date(tip.receivedAt),
        items: tip.files.map(tipItem),
      });
      // After the batch: a replay cannot create anything (the tip id is taken), and a
      // delivery that failed above can be retried with the same signature.
      if (!(await recordSignature(db, signature.v1, signature.expiresAt))) {
        throw new AppError('signature_replayed', 'This signature was already used: sign each delivery anew');
      }
      if (created.created) await enqueueItems(deps, request.log, created.batchId, created.items);
      return reply.status(202).send({ batchId: created.batchId, created: created.created });
    },
  );
  done();
};
