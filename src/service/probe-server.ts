import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from '../api/deps.js';

export interface ProbeServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A worker process's own /healthz, /readyz and /metrics, for orchestrators and scrapers. No
 * API, no keys: it answers nothing else (404).
 */
export async function startProbeServer(opts: {
  host: string;
  port: number;
  ready: () => Promise<Readiness>;
  metrics: { contentType: string; render(): Promise<string> };
}): Promise<ProbeServer> {
  const server = createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET')
      return send(
        405,
        'application/json',
        JSON.stringify({ error: { code: 'invalid_argument', message: 'Only GET' } }),
      );
    const answer = async () => {
      if (path === '/healthz') return send(200, 'application/json', JSON.stringify({ status: 'ok' }));
      if (path === '/readyz') {
        const r = await opts.ready().catch((): Readiness => ({ ready: false, checks: { probe: 'failed' } }));
        return send(r.ready ? 200 : 503, 'application/json', JSON.stringify(r));
      }
      if (path === '/metrics') return send(200, opts.metrics.contentType, await opts.metrics.render());
      return send(
        404,
        'application/json',
        JSON.stringify({ error: { code: 'not_found', message: 'Only /healthz, /readyz and /metrics here' } }),
      );
    };
    answer().catch(() =>
      send(500, 'application/json', JSON.stringify({ error: { code: 'internal', message: 'The probe failed' } })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
