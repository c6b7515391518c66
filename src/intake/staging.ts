/**
 * Upload staging: an upload is streamed to disk encrypted, read back once by the worker that
 * hashes it, and deleted when its item is terminal. A sweeper removes what a crash left behind.
 *
 * File format (version 1):
 *   "TPHS" | version (1 byte) | salt (16 bytes) | nonce (12 bytes) | ciphertext | GCM tag (16 bytes)
 * Each file has its own AES-256-GCM key, HKDF-SHA256(staging key, salt), so a nonce can never
 * repeat under one key however many files are staged. The header and the file's name are the
 * authenticated data: a changed header, a truncated file or a file renamed to another upload's
 * key all fail to decrypt.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, invalidArgument } from '../core/errors.js';
import { stagedKeysInUse, type Queryable } from '../store/index.js';

export interface Staging {
  /** Streams `body` into an encrypted file; never holds the whole upload. Past maxBytes: `too_large`, nothing left behind. */
  put(body: NodeJS.ReadableStream, maxBytes: number): Promise<{ key: string; size: number }>;
  /** Decrypts a staged upload into memory (bounded by maxBytes at put). `staging_missing` or `staging_corrupt`. */
  get(key: string): Promise<Buffer>;
  /** Idempotent. Unlinks without overwriting: see remove() below. */
  remove(key: string): Promise<void>;
  /** Removes staged files older than the TTL that no queued or processing item references; returns how many. */
  sweep(now?: Date): Promise<number>;
}

export interface StagingOptions {
  dir: string;
  /** 32 bytes. */
  key: Buffer;
  ttlHours: number;
  /** Consulted by sweep() so an item still waiting for its upload keeps it past the TTL. */
  db?: Queryable;
}

const MAGIC = Buffer.from('TPHS', 'ascii');
const VERSION = 1;
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + SALT_BYTES + NONCE_BYTES;
const INFO = Buffer.from('tiphash staging v1');
/** 24 random bytes, base64url: no path separators, nothing a user chooses. */
const KEY_PATTERN = /^[A-Za-z0-9_-]{32}$/;
const PART = '.part';

function fileKey(master: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', master, salt, INFO, 32));
}

function aad(header: Buffer, key: string): Buffer {
  return Buffer.concat([header, Buffer.from(key, 'ascii')]);
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

export async function openStaging(opts: StagingOptions): Promise<Staging> {
  if (!Buffer.isBuffer(opts.key) || opts.key.length !== 32)
    throw invalidArgument(
      'a 32-byte key',
      'the staging key',
      Buffer.isBuffer(opts.key) ? `${opts.key.length} bytes` : typeof opts.key,
    );
  const { dir, key: master, db } = opts;
  const ttlMs = opts.ttlHours * 3_600_000;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for an existing directory.
  await chmod(dir, 0o700);
  const pathOf = (key: string) => join(dir, key);

  return {
    async put(body, maxBytes) {
      const key = randomBytes(24).toString('base64url');
      const part = pathOf(key) + PART;
      const salt = randomBytes(SALT_BYTES);
      const nonce = randomBytes(NONCE_BYTES);
      const header = Buffer.concat([MAGIC, Buffer.of(VERSION), salt, nonce]);
      const cipher = createCipheriv('aes-256-gcm', fileKey(master, salt), nonce);
      cipher.setAAD(aad(header, key));
      const fh = await open(part, 'wx', 0o600);
      let size = 0;
      try {
        await fh.write(header);
        for await (const chunk of body as AsyncIterable<Buffer | string>) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          size += buf.length;
          if (size > maxBytes) throw new AppError('too_large', `The upload exceeds the limit of ${maxBytes} bytes`);
          await fh.write(cipher.update(buf));
        }
        await fh.write(Buffer.concat([cipher.final(), cipher.getAuthTag()]));
        await fh.close();
        // Only complete files carry a bare key, so get() never sees a half-written one.
        await rename(part, pathOf(key));
        return { key, size };
      } catch (err) {
        await fh.close().catch(() => undefined);
        await unlink(part).catch(() => undefined);
        throw err;
      }
    },

    async get(key) {
      if (!KEY_PATTERN.test(key))
        throw new AppError('staging_missing', 'The staged upload reference is not a staging key');
      let data: Buffer;
      try {
        data = await readFile(pathOf(key));
      } catch (err) {
        if (isMissing(err))
          throw new AppError(
            'staging_missing',
            'The staged upload is gone (removed, swept after its TTL, or this worker does not share the staging directory)',
          );
        throw err;
      }
      const header = data.subarray(0, HEADER_BYTES);
      if (
        data.length < HEADER_BYTES + TAG_BYTES ||
        !header.subarray(0, MAGIC.length).equals(MAGIC) ||
        header[MAGIC.length] !== VERSION
      )
        throw new AppError('staging_corrupt', 'The staged upload is not a tiphash staging file of a known version');
      const salt = header.subarray(MAGIC.length + 1, MAGIC.length + 1 + SALT_BYTES);
      const nonce = header.subarray(MAGIC.length + 1 + SALT_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', fileKey(master, salt), nonce);
        decipher.setAAD(aad(header, key));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        return Buffer.concat([decipher.update(data.subarray(HEADER_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch (err) {
        throw new AppError(
          'staging_corrupt',
          'The staged upload failed authentication (changed, truncated, or staged under another key)',
          { cause: err },
        );
      }
    },

    /**
     * No overwrite before unlinking: the bytes on disk are ciphertext under a per-file key
     * derived from a key that never touches the disk in the distributed shape, and on SSDs,
     * journaling and copy-on-write filesystems an overwrite would not reach the old blocks anyway.
     */
    async remove(key) {
      if (!KEY_PATTERN.test(key)) return;
      await unlink(pathOf(key)).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
    },

    async sweep(now = new Date()) {
      const old: Array<{ name: string; key: string }> = [];
      for (const name of await readdir(dir)) {
        const key = name.endsWith(PART) ? name.slice(0, -PART.length) : name;
        if (!KEY_PATTERN.test(key)) continue;
        const st = await stat(pathOf(name)).catch(() => undefined);
        if (st?.isFile() && now.getTime() - st.mtimeMs > ttlMs) old.push({ name, key });
      }
      if (old.length === 0) return 0;
      const inUse = db
        ? await stagedKeysInUse(
            db,
            old.map((o) => o.key),
          )
        : new Set<string>();
      let removed = 0;
      for (const o of old) {
        if (inUse.has(o.key)) continue;
        await unlink(pathOf(o.name)).then(
          () => removed++,
          (err: unknown) => {
            if (!isMissing(err)) throw err;
          },
        );
      }
      return removed;
    },
  };
}
