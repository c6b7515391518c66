import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

describe('loadConfig', () => {
  it('gives the embedded defaults with no settings, frozen', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', databaseUrl: undefined, redisUrl: undefined });
    expect(c.staging.dir).toBe(`${c.dataDir}/staging`);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.limits)).toBe(true);
  });

  it('parses every kind of value', () => {
    const key = 'ab'.repeat(32);
    const c = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      REDIS_URL: 'redis://127.0.0.1:6379',
      TIPHASH_STAGING_KEY: key,
      TIPHASH_FETCH_ALLOW_PRIVATE: '127.0.0.1, 10.0.0.0/8',
      TIPHASH_INDEX_IMPL: 'ts',
    });
    expect(c.port).toBe(9000);
    expect(c.staging.key?.toString('hex')).toBe(key);
    expect(c.fetch.allowPrivate).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(c.indexImpl).toBe('ts');
  });

  it('names every bad variable at once, hiding secrets', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TIPHASH_STAGING_KEY: 'short', LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const { problems } = err as ConfigError;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/^PORT: expected .* but received "eighty"$/m);
    expect(problems.join('\n')).toMatch(/^DATABASE_URL: .* but received a value \(hidden\)$/m);
    expect(problems.join('\n')).toMatch(/^TIPHASH_STAGING_KEY: expected 32 bytes/m);
    expect(problems.join('\n')).not.toMatch(/mysql|short/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).databaseUrl).toBeUndefined();
  });
});

describe('worker settings', () => {
  it('has no worker port, a 60 s reconcile interval and the tiphash queue prefix by default', () => {
    const c = loadConfig({});
    expect(c.worker).toMatchObject({ port: undefined, reconcileSeconds: 60 });
    expect(c.queuePrefix).toBe('tiphash');
  });

  it('parses the worker port (0: any free port), the interval and the prefix', () => {
    const c = loadConfig({ TIPHASH_WORKER_PORT: '0', TIPHASH_RECONCILE_SECONDS: '5', TIPHASH_QUEUE_PREFIX: 'test-1' });
    expect(c.worker).toMatchObject({ port: 0, reconcileSeconds: 5 });
    expect(c.queuePrefix).toBe('test-1');
    expect(loadConfig({ TIPHASH_WORKER_PORT: '9100' }).worker.port).toBe(9100);
  });

  it('refuses a bad port, interval or prefix', () => {
    let err: unknown;
    try {
      loadConfig({ TIPHASH_WORKER_PORT: '70000', TIPHASH_RECONCILE_SECONDS: '0', TIPHASH_QUEUE_PREFIX: 'a:b' });
    } catch (e) {
      err = e;
    }
    const { problems } = err as ConfigError;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'TIPHASH_QUEUE_PREFIX',
      'TIPHASH_RECONCILE_SECONDS',
      'TIPHASH_WORKER_PORT',
    ]);
  });
});
