import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { openStaging, type Staging } from '../src/intake/staging.js';
import { resolveStagingKey } from '../src/service/staging-key.js';
import { createBatch, recordResult } from '../src/store/index.js';
import { repoRoot } from './shared.js';
import { backends, useDb } from './store-backends.js';

const BRIDGE = join(repoRoot, 'fixtures/images/bridge-256.jpg');
const KEY = randomBytes(32);

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tiphash-staging-'));
}

function streamOf(buf: Buffer, chunk = 4096): Readable {
  let at = 0;
  return new Readable({
    read() {
      this.push(at < buf.length ? buf.subarray(at, (at += chunk)) : null);
    },
  });
}

async function flipByte(path: string, offset: number): Promise<void> {
  const data = await readFile(path);
  data[offset] = data[offset]! ^ 0x01;
  await writeFile(path, data);
}

describe('upload staging', () => {
  let dir: string;
  let staging: Staging;
  let bridge: Buffer;
  beforeAll(async () => {
    dir = join(await tempDir(), 'staging');
    staging = await openStaging({ dir, key: KEY, ttlHours: 1 });
    bridge = await readFile(BRIDGE);
  });

  it('round-trips an upload, encrypted at rest in a 0600 file in a 0700 folder', async () => {
    const { key, size } = await staging.put(streamOf(bridge), 1 << 20);
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(size).toBe(bridge.length);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const st = await stat(join(dir, key));
    expect(st.mode & 0o777).toBe(0o600);
    // Header (33) + ciphertext (same length) + tag (16).
    expect(st.size).toBe(bridge.length + 33 + 16);
    const onDisk = await readFile(join(dir, key));
    expect(onDisk.subarray(0, 4).toString()).toBe('TPHS');
    expect(onDisk.includes(bridge.subarray(0, 64))).toBe(false);
    expect(onDisk.includes(bridge.subarray(1000, 1032))).toBe(false);
    expect((await staging.get(key)).equals(bridge)).toBe(true);
  });

  it('streams: the encrypted file grows before the upload has ended', async () => {
    const total = 8 << 20;
    let sent = 0;
    let resume: (() => void) | undefined;
    const body = new Readable({
      read() {
        if (sent >= total) return void this.push(null);
        // Stop half way until the test has looked at the disk.
        if (sent === total / 2 && !resume) return void (resume = () => this.push(randomBytes(1 << 16)));
        sent += 1 << 16;
        this.push(randomBytes(1 << 16));
      },
    });
    const put = staging.put(body, total * 2);
    await new Promise<void>((r) => {
      const t = setInterval(() => resume && (clearInterval(t), r()), 10);
    });
    const parts = (await readdir(dir)).filter((f) => f.endsWith('.part'));
    expect(parts).toHaveLength(1);
    expect((await stat(join(dir, parts[0]!))).size).toBeGreaterThan(total / 2 - (1 << 20));
    sent += 1 << 16;
    resume!();
    const { key, size } = await put;
    expect(size).toBe(total);
    expect((await staging.get(key)).length).toBe(total);
    await staging.remove(key);
  });

  it('refuses an upload over the limit with too_large and leaves nothing behind', async () => {
    const before = await readdir(dir);
    await expect(staging.put(streamOf(bridge), 10_000)).rejects.toMatchObject({ code: 'too_large' });
    expect(await readdir(dir)).toEqual(before);
  });

  it('detects tampering, truncation, a swapped file and the wrong key; a missing file is staging_missing', async () => {
    const put = async () => (await staging.put(streamOf(bridge), 1 << 20)).key;
    const corrupt = { code: 'staging_corrupt' };

    const body = await put();
    await flipByte(join(dir, body), 500);
    await expect(staging.get(body)).rejects.toMatchObject(corrupt);

    const header = await put();
    await flipByte(join(dir, header), 10);
    await expect(staging.get(header)).rejects.toMatchObject(corrupt);

    const truncated = await put();
    const data = await readFile(join(dir, truncated));
    await writeFile(join(dir, truncated), data.subarray(0, data.length - 1));
    await expect(staging.get(truncated)).rejects.toMatchObject(corrupt);

    const a = await put();
    const b = await put();
    await rename(join(dir, a), join(dir, b));
    await expect(staging.get(b)).rejects.toMatchObject(corrupt);

    const good = await put();
    const other = await openStaging({ dir, key: randomBytes(32), ttlHours: 1 });
    await expect(other.get(good)).rejects.toMatchObject(corrupt);
    expect((await staging.get(good)).equals(bridge)).toBe(true);

    await staging.remove(good);
    await staging.remove(good);
    await expect(staging.get(good)).rejects.toMatchObject({ code: 'staging_missing' });
    await expect(staging.get('../../etc/passwd')).rejects.toMatchObject({ code: 'staging_missing' });
  });

  it('refuses a staging key that is not 32 bytes', async () => {
    await expect(openStaging({ dir, key: randomBytes(16), ttlHours: 1 })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});

describe.each(backends())('staging sweep on %s', (backend) => {
  const db = useDb(backend);

  it('removes old files and abandoned parts, keeping new ones and those a queued item needs', async () => {
    const dir = join(await tempDir(), 'staging');
    const staging = await openStaging({ dir, key: KEY, ttlHours: 2, db: db() });
    const upload = async () => (await staging.put(streamOf(Buffer.from('benign bytes')), 1 << 20)).key;
    const needed = await upload();
    const orphan = await upload();
    const fresh = await upload();
    const part = `${randomBytes(24).toString('base64url')}.part`;
    await writeFile(join(dir, part), 'half an upload');
    await writeFile(join(dir, 'README'), 'not ours: never touched');
    const now = new Date();
    const old = new Date(now.getTime() - 3 * 3_600_000);
    for (const f of [needed, orphan, part, 'README']) await utimes(join(dir, f), old, old);
    const { items } = await createBatch(db(), {
      submitterName: 'test',
      kind: 'investigator',
      receivedAt: now,
      items: [{ sourceKind: 'upload', sourceLabel: 'a.jpg', sourceRef: needed }],
    });

    expect(await staging.sweep(now)).toBe(2);
    expect((await readdir(dir)).sort()).toEqual([needed, fresh, 'README'].sort());

    await recordResult(db(), items[0]!.id, { status: 'no_match', hashes: [], matches: [] });
    expect(await staging.sweep(now)).toBe(1);
    expect((await readdir(dir)).sort()).toEqual([fresh, 'README'].sort());
  });
});

describe('the staging key', () => {
  it('is generated once for the embedded shape and kept in <dataDir>/staging.key (0600)', async () => {
    const dataDir = await tempDir();
    const config = loadConfig({ TIPHASH_DATA_DIR: dataDir });
    const key = await resolveStagingKey(config);
    expect(key).toHaveLength(32);
    expect((await stat(join(dataDir, 'staging.key'))).mode & 0o777).toBe(0o600);
    expect((await resolveStagingKey(config)).equals(key)).toBe(true);
  });

  it('must be given in the distributed shape, and a given key is used', async () => {
    const dataDir = await tempDir();
    await expect(
      resolveStagingKey(loadConfig({ TIPHASH_DATA_DIR: dataDir, REDIS_URL: 'redis://127.0.0.1:6379' })),
    ).rejects.toThrow(/TIPHASH_STAGING_KEY must be set/);
    const hex = randomBytes(32).toString('hex');
    const given = await resolveStagingKey(
      loadConfig({ TIPHASH_DATA_DIR: dataDir, REDIS_URL: 'redis://127.0.0.1:6379', TIPHASH_STAGING_KEY: hex }),
    );
    expect(given.toString('hex')).toBe(hex);
    expect(await readdir(dataDir)).toEqual([]);
  });
});
