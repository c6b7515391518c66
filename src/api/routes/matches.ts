import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.js';
import { HASH_ALGOS } from '../../core/hash.js';
import {
  audit,
  getMatch,
  isMatchCursor,
  listMatches,
  reviewMatch,
  reviewsFor,
  type Db,
  type MatchFilter,
  type MatchOrder,
  type ReviewVerdict,
  type StoredMatch,
} from '../../store/index.js';
import { principalOf } from '../auth.js';
import { fieldError } from '../errors.js';
import { dateTime, errorResponses, id, idParams, label, nullable, type IdParams } from '../schemas.js';

const VERDICTS = ['confirmed', 'false_positive', 'escalate'] as const satisfies readonly ReviewVerdict[];
const ORDERS = { oldest: 'id', newest: 'newest', score: 'score' } as const satisfies Record<string, MatchOrder>;

const reviewSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    matchId: { type: 'integer' },
    verdict: { type: 'string', enum: VERDICTS },
    note: nullable({ type: 'string' }),
    reviewer: { type: 'string' },
    at: dateTime,
  },
} as const;

const allowListSchema = {
  type: 'object',
  description: 'Set when the false positive was added to an allow list',
  properties: {
    listId: { type: 'integer' },
    listName: { type: 'string' },
    version: { type: 'integer', description: "The allow list's current version afterwards" },
    algorithm: { type: 'string', enum: HASH_ALGOS },
    added: { type: 'integer', description: 'Entries added: 0 when the hash was listed already' },
    alreadyListed: { type: 'boolean' },
  },
} as const;

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const matchSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    score: { type: 'number', description: '0–100, see src/matching/score.ts' },
    algorithm: { type: 'string', enum: HASH_ALGOS },
    distance: { type: 'integer' },
    threshold: { type: 'integer' },
    quality: nullable({ type: 'integer' }),
    lowConfidence: { type: 'boolean' },
    via: nullable(str),
    category: nullable(str),
    frames: { description: 'Video: matched frame timestamps' },
    verdict: nullable({ type: 'string', enum: VERDICTS }),
    createdAt: dateTime,
    list: {
      type: 'object',
      properties: { id: { type: 'integer' }, name: str, source: str, version: { type: 'integer' } },
    },
    entry: { type: 'object', properties: { id: { type: 'integer' }, externalId: nullable(str) } },
    item: {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        seq: { type: 'integer' },
        source: str,
        md5: nullable(str),
        sha1: nullable(str),
        sha256: nullable(str),
        size: { ...nullable(int), description: 'Bytes' },
        mediaType: nullable(str),
        width: nullable(int),
        height: nullable(int),
      },
    },
    batch: {
      type: 'object',
      properties: { id: { type: 'integer' }, caseRef: nullable(str), tipId: nullable(str), receivedAt: dateTime },
    },
    reviews: { type: 'array', items: reviewSchema },
  },
} as const;

/** A stored match as analysts see it: metadata grouped by what it describes. */
function view(m: StoredMatch) {
  return {
    ...m,
    list: { id: m.listId, name: m.listName, source: m.listSource, version: m.listVersion },
    entry: { id: m.entryId, externalId: m.externalId },
    item: {
      id: m.itemId,
      seq: m.itemSeq,
      source: m.sourceLabel,
      md5: m.itemMd5,
      sha1: m.itemSha1,
      sha256: m.itemSha256,
      size: m.itemSize,
      mediaType: m.itemMediaType,
      width: m.itemWidth,
      height: m.itemHeight,
    },
    batch: { id: m.batchId, caseRef: m.caseRef, tipId: m.tipId, receivedAt: m.receivedAt },
  };
}

interface MatchQuery {
  reviewed?: boolean;
  minScore?: number;
  maxScore?: number;
  listId?: number;
  category?: string;
  batchId?: number;
  cursor?: string;
  limit: number;
  order: keyof typeof ORDERS;
}

/** The analysts' match queue and reviews. Every read of matches is written to the audit log. */
export function matchRoutes(app: FastifyInstance, db: Db): void {
  const analyst = { auth: ['analyst'] as const };

  app.get<{ Querystring: MatchQuery }>(
    '/v1/matches',
    {
      config: analyst,
      schema: {
        summary: 'Matches, filtered and keyset-paged (pass `next` back as `cursor`)',
        tags: ['matches'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            reviewed: { type: 'boolean', description: 'false: the review queue' },
            minScore: { type: 'number', minimum: 0, maximum: 100 },
            maxScore: { type: 'number', minimum: 0, maximum: 100 },
            listId: id,
            category: label(200),
            batchId: id,
            cursor: { type: 'string', maxLength: 200 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            order: { type: 'string', enum: Object.keys(ORDERS), default: 'oldest' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { matches: { type: 'array', items: matchSchema }, next: nullable(str) },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { order, cursor, ...filter } = request.query;
      const storeOrder = ORDERS[order];
      if (filter.minScore !== undefined && filter.maxScore !== undefined && filter.minScore > filter.maxScore) {
        throw fieldError('querystring.maxScore', `at least minScore (${filter.minScore})`, filter.maxScore);
      }
      if (cursor !== undefined && !isMatchCursor(cursor, storeOrder)) {
        throw fieldError('querystring.cursor', `a cursor from a previous page ordered by ${order}`, 'something else');
      }
      const query: MatchFilter = { ...filter, order: storeOrder, ...(cursor === undefined ? {} : { cursor }) };
      const page = await listMatches(db, query);
      await audit(db, {
        actor: principalOf(request).name,
        action: 'matches.read',
        details: { filter: { ...filter, order }, matches: page.matches.map((m) => m.id) },
      });
      return { matches: page.matches.map(view), next: page.next };
    },
  );

  app.get<{ Params: IdParams }>(
    '/v1/matches/:id',
    {
      config: analyst,
      schema: {
        summary: 'One match with its reviews',
        tags: ['matches'],
        params: idParams,
        response: { 200: matchSchema, ...errorResponses },
      },
    },
    async (request) => {
      const match = await getMatch(db, request.params.id);
      if (!match) throw new AppError('not_found', `No match with id ${request.params.id}`);
      await audit(db, { actor: principalOf(request).name, action: 'matches.read', target: `match:${match.id}` });
      return { ...view(match), reviews: await reviewsFor(db, match.id) };
    },
  );

  app.post<{ Params: IdParams; Body: { verdict: ReviewVerdict; note?: string; allowListId?: number } }>(
    '/v1/matches/:id/review',
    {
      config: analyst,
      schema: {
        summary: "Record an analyst's verdict on a match (reviews accumulate; the latest counts)",
        description:
          "A `false_positive` with `allowListId` also adds the item's matched hash to that allow list (kind " +
          '`allow`, enabled) as a new list version, with the reviewer and note as its provenance; workers reload ' +
          'it and the item stops matching. The review, the new version and the audit rows commit together.',
        tags: ['matches'],
        params: idParams,
        body: {
          type: 'object',
          required: ['verdict'],
          additionalProperties: false,
          properties: {
            verdict: { type: 'string', enum: VERDICTS },
            note: { type: 'string', maxLength: 2000 },
            allowListId: { ...id, description: 'false_positive only: an allow list to add the hash to' },
          },
        },
        response: {
          201: { ...reviewSchema, properties: { ...reviewSchema.properties, allowList: allowListSchema } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { verdict, note, allowListId } = request.body;
      if (allowListId !== undefined && verdict !== 'false_positive') {
        throw fieldError('allowListId', 'no allowListId unless the verdict is false_positive', allowListId);
      }
      const { review, allowList } = await reviewMatch(db, {
        matchId: request.params.id,
        verdict,
        note: note ?? null,
        reviewer: principalOf(request).name,
        allowListId: allowListId ?? null,
      });
      return reply.status(201).send(allowList ? { ...review, allowList } : review);
    },
  );
}
