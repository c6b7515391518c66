import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ALGORITHMS } from '../../core/algorithms.js';
import { AppError } from '../../core/errors.js';
import { HASH_ALGOS } from '../../core/hash.js';
import type { RejectedLine } from '../../core/match.js';
import { LIST_FORMATS, type ListFormat } from '../../lists/format.js';
import { importRecords } from '../../lists/import-records.js';
import { MAX_KEPT_REJECTIONS, openList } from '../../lists/read.js';
import {
  createList,
  getList,
  importListVersion,
  listLists,
  listVersions,
  setEntryEnabled,
  setListDihedral,
  setListEnabled,
  setListThresholds,
  type Db,
  type HashList,
  type ListKind,
  type Thresholds,
} from '../../store/index.js';
import { ADMIN_ONLY, principalOf } from '../auth.js';
import { dateTime, errorResponses, idParams, label, nullable, type IdParams } from '../schemas.js';

/** Only Hamming-compared algorithms have a threshold to set; digests match exactly. */
const thresholdsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    HASH_ALGOS.filter((a) => ALGORITHMS[a].compare === 'hamming').map((a) => [
      a,
      { type: 'integer', minimum: 0, maximum: ALGORITHMS[a].bits },
    ]),
  ),
} as const;

const versionSchema = {
  type: 'object',
  properties: {
    version: { type: 'integer' },
    importedAt: dateTime,
    importedBy: { type: 'string' },
    format: { type: 'string' },
    entries: { type: 'integer' },
    rejected: { type: 'integer' },
  },
} as const;

const listSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    source: { type: 'string' },
    kind: { type: 'string', enum: ['block', 'allow'] },
    thresholds: { type: 'object', additionalProperties: { type: 'integer' } },
    enabled: { type: 'boolean' },
    dihedral: { type: 'boolean' },
    currentVersion: nullable({ type: 'integer' }),
    revision: { type: 'integer' },
    createdBy: { type: 'string' },
    createdAt: dateTime,
    versions: { type: 'array', items: versionSchema },
  },
} as const;

interface ListSettings {
  enabled?: boolean;
  thresholds?: Thresholds;
  dihedral?: boolean;
}

async function requireList(db: Db, id: number): Promise<HashList> {
  const list = await getList(db, id);
  if (!list) throw new AppError('not_found', `No hash list with id ${id}`);
  return list;
}

/** Hash lists (admin): create, import versions, read provenance, change settings. The store audits each change. */
export function listRoutes(app: FastifyInstance, db: Db): void {
  app.post<{ Body: ListSettings & { name: string; source: string; kind: ListKind } }>(
    '/v1/lists',
    {
      config: ADMIN_ONLY,
      schema: {
        summary: 'Create a hash list (entries are imported separately)',
        tags: ['lists'],
        body: {
          type: 'object',
          required: ['name', 'source', 'kind'],
          additionalProperties: false,
          properties: {
            name: label(200),
            source: { ...label(500), description: 'Provenance: who supplies the list' },
            kind: { type: 'string', enum: ['block', 'allow'], description: 'allow: known false positives' },
            thresholds: thresholdsSchema,
            dihedral: { type: 'boolean', description: 'Also match rotated and flipped pictures (PDQ)' },
            enabled: { type: 'boolean' },
          },
        },
        response: { 201: listSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const list = await createList(db, { ...request.body, createdBy: principalOf(request).name });
      return reply.status(201).send(list);
    },
  );

  app.get(
    '/v1/lists',
    {
      config: ADMIN_ONLY,
      schema: {
        summary: 'Hash lists with their versions and provenance',
        tags: ['lists'],
        response: {
          200: { type: 'object', properties: { lists: { type: 'array', items: listSchema } } },
          ...errorResponses,
        },
      },
    },
    async () => {
      const lists = await listLists(db);
      return { lists: await Promise.all(lists.map(async (l) => ({ ...l, versions: await listVersions(db, l.id) }))) };
    },
  );

  app.patch<{ Params: IdParams; Body: ListSettings }>(
    '/v1/lists/:id',
    {
      config: ADMIN_ONLY,
      schema: {
        summary: 'Enable or disable a list, change its thresholds or dihedral matching; workers pick it up at once',
        tags: ['lists'],
        params: idParams,
        body: {
          type: 'object',
          minProperties: 1,
          additionalProperties: false,
          properties: { enabled: { type: 'boolean' }, thresholds: thresholdsSchema, dihedral: { type: 'boolean' } },
        },
        response: { 200: listSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      const actor = principalOf(request).name;
      const { enabled, thresholds, dihedral } = request.body;
      let list = await requireList(db, id);
      if (enabled !== undefined) list = await setListEnabled(db, id, enabled, actor);
      if (thresholds !== undefined) list = await setListThresholds(db, id, thresholds, actor);
      if (dihedral !== undefined) list = await setListDihedral(db, id, dihedral, actor);
      return list;
    },
  );

  app.patch<{ Params: IdParams & { entryId: number }; Body: { enabled: boolean; note?: string } }>(
    '/v1/lists/:id/entries/:entryId',
    {
      config: ADMIN_ONLY,
      schema: {
        summary: "Disable (or re-enable) one entry of a list's current version, e.g. a hash found to be wrong",
        description:
          'Workers reload at once. A disabled entry stays disabled when a new version of the list is imported. Audited as entry.disable / entry.enable with the note.',
        tags: ['lists'],
        params: {
          type: 'object',
          required: ['id', 'entryId'],
          properties: { id: idParams.properties.id, entryId: idParams.properties.id },
        },
        body: {
          type: 'object',
          required: ['enabled'],
          additionalProperties: false,
          properties: { enabled: { type: 'boolean' }, note: label(2000) },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              listId: { type: 'integer' },
              version: { type: 'integer' },
              entryId: { type: 'integer' },
              enabled: { type: 'boolean' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id, entryId } = request.params;
      const list = await requireList(db, id);
      if (list.currentVersion === null) throw new AppError('not_found', `Hash list ${id} has no entries yet`);
      const { enabled, note } = request.body;
      await setEntryEnabled(db, {
        listId: id,
        version: list.currentVersion,
        entryId,
        enabled,
        actor: principalOf(request).name,
        ...(note === undefined ? {} : { note }),
      });
      return { listId: id, version: list.currentVersion, entryId, enabled };
    },
  );

  // The list file is the body, streamed straight into the import: this scope takes any content
  // type and hands the handler the raw request stream, with no body limit and no buffering.
  void app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, parsed) => parsed(null, payload));

    scope.post<{ Params: IdParams; Querystring: { format?: ListFormat } }>(
      '/v1/lists/:id/entries',
      {
        config: ADMIN_ONLY,
        schema: {
          summary: 'Import a new version of a list from a list file (the request body, optionally gzipped)',
          description: `Formats: ${LIST_FORMATS.join(', ')}; detected from the first bytes unless named by ?format=. Matches made earlier keep the version they were made against.`,
          tags: ['lists'],
          params: idParams,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { format: { type: 'string', enum: LIST_FORMATS } },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                listId: { type: 'integer' },
                version: { type: 'integer' },
                format: { type: 'string' },
                imported: { type: 'integer' },
                rejected: {
                  type: 'array',
                  description: `The first ${MAX_KEPT_REJECTIONS} rejected lines`,
                  items: { type: 'object', properties: { line: { type: 'integer' }, reason: { type: 'string' } } },
                },
                rejectedTotal: { type: 'integer' },
                keptDisabled: {
                  type: 'integer',
                  description: 'Entries disabled in the previous version that stay disabled',
                },
                keptReviewed: {
                  type: 'integer',
                  description: 'Entries analysts added from reviews, carried over from the previous version',
                },
              },
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const list = await requireList(db, request.params.id);
        if (!(request.body instanceof Readable)) {
          throw new AppError('list_empty', 'The request has no body: send the list file as the request body');
        }
        const opened = await openList(request.body, {
          name: list.name,
          ...(request.query.format === undefined ? {} : { format: request.query.format }),
        });
        const rejected: RejectedLine[] = [];
        const result = await importListVersion(db, {
          listId: list.id,
          importedBy: principalOf(request).name,
          format: opened.format,
          records: importRecords(opened.items, rejected),
        });
        return {
          listId: list.id,
          version: result.version,
          format: opened.format,
          imported: result.entries,
          rejected,
          rejectedTotal: result.rejected,
          keptDisabled: result.keptDisabled,
          keptReviewed: result.keptReviewed,
        };
      },
    );
    done();
  });
}
