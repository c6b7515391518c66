import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FETCH_DEFAULTS, fetchToBuffer, fetchUrl, type FetchOptions } from './fetch.js';
import type { Resolver } from './fetch-target.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base: string;
let port: number;
const seen: { path: string; headers: IncomingMessage['headers'] }[] = [];
const LOCAL: FetchOptions = { allowPrivate: ['127.0.0.1'] };

const routes: Record<string, Handler> = {
  '/file': (_req, res) => res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 5 }).end('hello'),
  '/chunked': (_req, res) => {
    res.writeHead(200);
    let sent = 0;
    const more = (): void => {
      if (sent++ === 10) return void res.end();
      res.write(Buffer.alloc(1000, 1), () => setImmediate(more));
    };
    more();
  },
  '/declared-big': (_req, res) => res.writeHead(200, { 'content-length': 1_000_000 }).end(),
  '/headers': (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers)),
  '/cookie': (_req, res) => res.writeHead(302, { location: '/headers', 'set-cookie': 'session=abc; Path=/' }).end(),
  '/loop-a': (_req, res) => res.writeHead(301, { location: '/loop-b' }).end(),
  '/loop-b': (_req, res) => res.writeHead(308, { location: `${base}/loop-a` }).end(),
  '/no-location': (_req, res) => res.writeHead(302).end(),
  '/hang': () => undefined,
  '/stall': (_req, res) => {
    res.writeHead(200, { 'content-length': 100 });
    res.write('partial');
  },
  '/drip': (_req, res) => {
    res.writeHead(200);
    const timer = setInterval(() => res.write('x'), 20);
    res.on('close', () => clearInterval(timer));
  },
  '/truncated': (req, res) => {
    res.writeHead(200, { 'content-length': 100 });
    res.write('0123456789', () => req.socket.destroy());
  },
};

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  seen.push({ path: url.pathname, headers: req.headers });
  const status = /^\/status\/(\d{3})$/.exec(url.pathname);
  const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
  if (status) res.writeHead(Number(status[1])).end();
  else if (chain) {
    const n = Number(chain[1]);
    if (n === 0) res.writeHead(200).end('end of chain');
    else res.writeHead(302, { location: `/chain/${n - 1}` }).end();
  } else if (url.pathname === '/redirect') res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
  else (routes[url.pathname] ?? ((_q, s) => s.writeHead(404).end()))(req, res);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const text = async (url: string, opts: FetchOptions = LOCAL): Promise<string> =>
  (await fetchToBuffer(url, opts)).data.toString();
const failsWith = (promise: Promise<unknown>, code: string, extra: Record<string, unknown> = {}) =>
  expect(promise).rejects.toMatchObject({ code, ...extra });

describe('destinations', () => {
  it('refuses the loopback test server unless it is allowlisted', async () => {
    const before = seen.length;
    await failsWith(fetchUrl(`${base}/file`), 'url_refused', {
      message: `Refused to fetch from ${base}: 127.0.0.1 is a loopback address`,
    });
    expect(seen.length).toBe(before); // refused before connecting
    const got = await fetchToBuffer(`${base}/file`, LOCAL);
    expect(got.data.toString()).toBe('hello');
    expect(got).toMatchObject({
      status: 200,
      contentLength: 5,
      redirects: 0,
      address: '127.0.0.1',
      finalUrl: `${base}/file`,
    });
    expect(got.headers['content-type']).toBe('image/jpeg');
    expect(await text(`${base}/file`, { allowPrivate: ['127.0.0.0/8'] })).toBe('hello');
  });

  it.each([
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://[::1]/',
    'http://[fc00::1]/',
    'http://[fe80::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[2002:a00:1::]/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://017700000001/',
    'http://127.1/',
  ])('refuses %s without asking DNS or connecting', async (url) => {
    const resolver: Resolver = () => Promise.reject(new Error('DNS must not be asked for a literal'));
    await failsWith(fetchUrl(url, { resolver }), 'url_refused', { permanent: true });
  });

  it('refuses localhost through the system resolver', async () => {
    await failsWith(fetchUrl(`http://localhost:${port}/file`), 'url_refused', {
      message: `Refused to fetch from http://localhost:${port}: the host resolves to a loopback address`,
    });
  });

  it('refuses a host name that resolves to a private address', async () => {
    const resolver: Resolver = (host) => Promise.resolve(host === 'evil.example' ? ['192.168.1.10'] : []);
    await failsWith(fetchUrl('http://evil.example/x', { resolver }), 'url_refused', {
      message: 'Refused to fetch from http://evil.example: the host resolves to a private-network address',
    });
  });

  it('resolves once and connects to the pinned address, sending the original Host', async () => {
    const calls: string[] = [];
    const resolver: Resolver = (host) => {
      calls.push(host);
      return Promise.resolve(['127.0.0.1']);
    };
    seen.length = 0;
    const got = await fetchToBuffer(`http://files.example.test:${port}/file`, { ...LOCAL, resolver });
    expect(got.data.toString()).toBe('hello');
    expect(calls).toEqual(['files.example.test']);
    expect(seen[0]?.headers.host).toBe(`files.example.test:${port}`);
  });

  it('lets an allowlisted host name through, and no other name on the same address', async () => {
    const resolver: Resolver = () => Promise.resolve(['127.0.0.1']);
    expect(await text(`http://store.internal:${port}/file`, { allowPrivate: ['store.internal'], resolver })).toBe(
      'hello',
    );
    await failsWith(
      fetchUrl(`http://other.internal:${port}/file`, { allowPrivate: ['store.internal'], resolver }),
      'url_refused',
    );
  });
});

describe('redirects', () => {
  it('follows relative and absolute redirects up to the limit', async () => {
    const got = await fetchToBuffer(`${base}/chain/5`, LOCAL);
    expect(got.data.toString()).toBe('end of chain');
    expect(got).toMatchObject({ redirects: 5, finalUrl: `${base}/chain/0` });
    await failsWith(fetchUrl(`${base}/chain/6`, LOCAL), 'too_many_redirects');
    await failsWith(fetchUrl(`${base}/chain/3`, { ...LOCAL, maxRedirects: 2 }), 'too_many_redirects');
    await failsWith(fetchUrl(`${base}/chain/1`, { ...LOCAL, maxRedirects: 0 }), 'too_many_redirects');
  });

  it('stops a redirect loop', async () => {
    await failsWith(fetchUrl(`${base}/loop-a`, LOCAL), 'too_many_redirects', {
      message: expect.stringContaining('loop') as string,
    });
  });

  it('re-checks every target: a redirect from the allowed server to another private address is refused', async () => {
    const via = (to: string): string => `${base}/redirect?to=${encodeURIComponent(to)}`;
    await failsWith(fetchUrl(via(`http://127.0.0.2:${port}/file`), LOCAL), 'url_refused', {
      message: expect.stringContaining('loopback') as string,
    });
    await failsWith(fetchUrl(via('http://169.254.169.254/latest/meta-data/'), LOCAL), 'url_refused');
    await failsWith(fetchUrl(via('http://[::1]/'), LOCAL), 'url_refused');
    const resolver: Resolver = (host) => Promise.resolve(host === 'rebind.example' ? ['10.0.0.7'] : ['127.0.0.1']);
    await failsWith(fetchUrl(via('http://rebind.example/'), { ...LOCAL, resolver }), 'url_refused');
    await failsWith(fetchUrl(via('file:///etc/passwd'), LOCAL), 'url_invalid');
    await failsWith(fetchUrl(via('gopher://127.0.0.1:6379/_INFO'), LOCAL), 'url_invalid');
  });

  it('keeps no cookies across redirects', async () => {
    const headers = JSON.parse(await text(`${base}/cookie`)) as Record<string, string>;
    expect(headers.cookie).toBeUndefined();
  });

  it('treats a redirect status without Location as an HTTP error', async () => {
    await failsWith(fetchUrl(`${base}/no-location`, LOCAL), 'http_status', { permanent: true });
  });
});

describe('limits', () => {
  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    await failsWith(fetchUrl(`${base}/declared-big`, { ...LOCAL, maxBytes: 1000 }), 'too_large', { permanent: true });
  });

  it('counts bytes while streaming when there is no Content-Length', async () => {
    expect((await fetchToBuffer(`${base}/chunked`, { ...LOCAL, maxBytes: 10_000 })).data.length).toBe(10_000);
    await failsWith(fetchToBuffer(`${base}/chunked`, { ...LOCAL, maxBytes: 9_999 }), 'too_large');
    await failsWith(fetchToBuffer(`${base}/file`, { ...LOCAL, maxBytes: 4 }), 'too_large');
  });

  it('gives up on a server that never answers (idle timeout, transient)', async () => {
    await failsWith(fetchUrl(`${base}/hang`, { ...LOCAL, idleTimeoutMs: 200 }), 'fetch_timeout', { permanent: false });
  });

  it('gives up on a body that stalls', async () => {
    await failsWith(fetchToBuffer(`${base}/stall`, { ...LOCAL, idleTimeoutMs: 200 }), 'fetch_timeout');
  });

  it('enforces the total time on a body that trickles forever', async () => {
    const started = Date.now();
    await failsWith(fetchToBuffer(`${base}/drip`, { ...LOCAL, timeoutMs: 400, idleTimeoutMs: 5000 }), 'fetch_timeout', {
      message: 'The fetch took longer than 400 ms',
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('lets the caller cancel (transient, so the item is retried)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await failsWith(fetchUrl(`${base}/hang`, { ...LOCAL, signal: controller.signal }), 'fetch_failed', {
      permanent: false,
    });
  });

  it('rejects nonsense options', async () => {
    await failsWith(fetchUrl(`${base}/file`, { maxBytes: -1 }), 'invalid_argument');
    await failsWith(fetchUrl(`${base}/file`, { allowPrivate: ['not a cidr'] }), 'invalid_argument');
  });
});

describe('answers', () => {
  it('maps 4xx to a permanent and 5xx/429 to a transient http_status', async () => {
    await failsWith(fetchUrl(`${base}/status/404`, LOCAL), 'http_status', {
      permanent: true,
      message: `HTTP 404 from ${base}`,
    });
    await failsWith(fetchUrl(`${base}/status/403`, LOCAL), 'http_status', { permanent: true });
    await failsWith(fetchUrl(`${base}/status/500`, LOCAL), 'http_status', { permanent: false });
    await failsWith(fetchUrl(`${base}/status/503`, LOCAL), 'http_status', { permanent: false });
    await failsWith(fetchUrl(`${base}/status/429`, LOCAL), 'http_status', { permanent: false });
  });

  it('reports a refused connection and a cut-off body as transient fetch_failed', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await failsWith(fetchUrl(`http://127.0.0.1:${closedPort}/`, LOCAL), 'fetch_failed', {
      permanent: false,
      message: `Could not fetch from http://127.0.0.1:${closedPort} (ECONNREFUSED)`,
    });
    await failsWith(fetchToBuffer(`${base}/truncated`, LOCAL), 'fetch_failed', { permanent: false });
  });

  it('sends a plain request: a generic User-Agent, identity encoding, no credentials', async () => {
    const got = await fetchToBuffer(`http://user:secret@127.0.0.1:${port}/headers#frag`, LOCAL);
    const headers = JSON.parse(got.data.toString()) as Record<string, string>;
    expect(headers['user-agent']).toBe(FETCH_DEFAULTS.userAgent);
    expect(headers['user-agent']).not.toMatch(/tiphash|child|investigat/i);
    expect(headers['accept-encoding']).toBe('identity');
    expect(headers.authorization).toBeUndefined();
    expect(got.finalUrl).toBe(`${base}/headers`);
  });

  it('never puts credentials or paths in messages', async () => {
    const err = await fetchUrl('http://admin:hunter2@10.0.0.1/private/token?key=abc').catch((e: unknown) => e);
    expect(String((err as Error).message)).not.toMatch(/hunter2|admin|token|key=/);
  });
});
