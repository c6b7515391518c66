import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { AppError } from '../core/errors.js';

/**
 * The key staged uploads are encrypted under. Distributed (REDIS_URL set), the API and every
 * worker must hold the same key, so it has to be given (TIPHASH_STAGING_KEY). Embedded, one
 * process stages and reads, so a key is generated once and kept beside the database
 * (`<dataDir>/staging.key`, mode 0600) unless one is given.
 */
export async function resolveStagingKey(config: Pick<Config, 'staging' | 'redisUrl' | 'dataDir'>): Promise<Buffer> {
  if (config.staging.key) return config.staging.key;
  if (config.redisUrl !== undefined) {
    throw new AppError(
      'not_configured',
      'TIPHASH_STAGING_KEY must be set when REDIS_URL is: the API and every worker encrypt and decrypt staged uploads with it and must share it (and TIPHASH_STAGING_DIR). Generate one with `openssl rand -hex 32`.',
    );
  }
  const path = join(config.dataDir, 'staging.key');
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  try {
    // 'wx': of two processes racing on a fresh data directory, one writes and both read it.
    await writeFile(path, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const text = (await readFile(path, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/i.test(text))
    throw new AppError(
      'not_configured',
      `Expected 64 hex digits in ${path} (the embedded staging key) but it holds something else; remove it to generate a new one`,
    );
  return Buffer.from(text, 'hex');
}
