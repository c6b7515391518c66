import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../core/errors.js';
import { PAGE_CSP } from '../headers.js';

/**
 * The analysts' review page: static HTML, CSS, ES modules and the i18n dictionaries, with no
 * build step. Only these types are served; anything else in the folder is not.
 */
const PAGE_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

/** tsc does not copy the page into dist/, so the compiled module looks back into src/api/page. */
export function pageDir(): string {
  const candidates = [new URL('../page/', import.meta.url), new URL('../../../../src/api/page/', import.meta.url)];
  const found = candidates.map((u) => fileURLToPath(u)).find((dir) => existsSync(join(dir, 'index.html')));
  if (found === undefined)
    throw new AppError('internal', `Expected the review page beside ${fileURLToPath(import.meta.url)}`, {
      permanent: true,
    });
  return found;
}

interface Asset {
  body: Buffer;
  type: string;
}

/** Every servable file under the page folder by its URL path (`app.js`, `i18n/th.json`), read once. */
export async function loadPage(dir = pageDir()): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const type = PAGE_TYPES[extname(entry.name)];
    if (!entry.isFile() || type === undefined) continue;
    const file = join(entry.parentPath, entry.name);
    assets.set(relative(dir, file).split(sep).join('/'), { body: await readFile(file), type });
  }
  return assets;
}

function send(reply: FastifyReply, asset: Asset): FastifyReply {
  return reply
    .header('content-security-policy', PAGE_CSP)
    .header('cache-control', 'no-store')
    .type(asset.type)
    .send(asset.body);
}

/** `/` is the page; `/page/<file>` its assets. Public: the page holds no data until a key is given. */
export async function pageRoutes(app: FastifyInstance): Promise<void> {
  const assets = await loadPage();
  const index = assets.get('index.html');
  if (!index) throw new AppError('internal', 'The review page has no index.html', { permanent: true });
  const config = { auth: 'public' as const };
  app.get('/', { config, schema: { hide: true } }, (_request, reply) => send(reply, index));
  app.get<{ Params: { '*': string } }>('/page/*', { config, schema: { hide: true } }, (request, reply) => {
    const asset = assets.get(request.params['*']);
    if (!asset) throw new AppError('not_found', `The review page has no file ${JSON.stringify(request.params['*'])}`);
    return send(reply, asset);
  });
}
