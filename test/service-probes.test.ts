import { describe, expect, it } from 'vitest';
import type { Readiness } from '../src/api/deps.js';
import { startProbeServer } from '../src/service/probe-server.js';

describe("a worker's probe server", () => {
  it('answers /healthz, /readyz (503 until ready) and /metrics, and nothing else', async () => {
    let state: Readiness = { ready: false, checks: { index: 'loading' } };
    const probe = await startProbeServer({
      host: '127.0.0.1',
      port: 0,
      ready: () => Promise.resolve(state),
      metrics: {
        contentType: 'text/plain; version=0.0.4',
        render: () => Promise.resolve('tiphash_items{status="queued"} 3\n'),
      },
    });
    try {
      expect(probe.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${probe.url}/healthz`);
      expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
      const notReady = await fetch(`${probe.url}/readyz`);
      expect([notReady.status, await notReady.json()]).toEqual([503, { ready: false, checks: { index: 'loading' } }]);
      state = { ready: true, checks: { index: 'ok (1 lists, 5 entries)' } };
      expect((await fetch(`${probe.url}/readyz`)).status).toBe(200);
      const metrics = await fetch(`${probe.url}/metrics?x=1`);
      expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4');
      expect(await metrics.text()).toBe('tiphash_items{status="queued"} 3\n');
      expect((await fetch(`${probe.url}/v1/batches`)).status).toBe(404);
      expect((await fetch(`${probe.url}/healthz`, { method: 'POST' })).status).toBe(405);
    } finally {
      await probe.close();
      await probe.close();
    }
    await expect(fetch(`${probe.url}/healthz`)).rejects.toThrow();
  });
});
