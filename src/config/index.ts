/**
 * Settings come from the environment, are parsed once here, and leave as one frozen, typed
 * Config. This is the only module that reads process.env. A bad value stops the start with
 * one message naming every variable that is wrong and what was expected.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''));
const key32 = z
  .string()
  .refine((s) => /^[0-9a-fA-F]{64}$/.test(s) || Buffer.from(s, 'base64').length === 32, '32 bytes as 64 hex digits or base64')
  .transform((s) => (/^[0-9a-fA-F]{64}$/.test(s) ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64')));

/** Every setting: its variable, its parser and default. Documented in README "Settings". */
const ENV = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  TIPHASH_DATA_DIR: z.string().min(1).default('.tiphash'),
  TIPHASH_STAGING_DIR: z.string().min(1).optional(),
  TIPHASH_STAGING_KEY: key32.optional(),
  TIPHASH_STAGING_TTL_HOURS: int(1).default(24),
  TIPHASH_BOOTSTRAP_ADMIN_KEY: z.string().min(32, 'at least 32 characters').optional(),
  TIPHASH_WEBHOOK_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  TIPHASH_MAX_UPLOAD_BYTES: int(1).default(256 * 1024 * 1024),
  TIPHASH_MAX_PIXELS: int(1).default(100_000_000),
  TIPHASH_MAX_BATCH_ITEMS: int(1).default(10_000),
  TIPHASH_FETCH_TIMEOUT_MS: int(100).default(60_000),
  TIPHASH_FETCH_ALLOW_PRIVATE: list.default([]),
  TIPHASH_WORKER_CONCURRENCY: int(1, 256).default(2),
  TIPHASH_JOB_ATTEMPTS: int(1, 100).default(5),
  TIPHASH_WORKER_PORT: int(0, 65535).optional(),
  TIPHASH_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ or - (at most 64)').default('tiphash'),
  TIPHASH_RECONCILE_SECONDS: int(1, 86_400).default(60),
  TIPHASH_RATE_LIMIT_PER_MINUTE: int(1).default(600),
  TIPHASH_INDEX_IMPL: z.enum(['ts', 'native']).optional(),
  TIPHASH_FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  TIPHASH_FFPROBE_PATH: z.string().min(1).optional(),
  TIPHASH_VIDEO_MODE: z.enum(['fps1', 'every', 'keyframes']).default('fps1'),
  TIPHASH_VIDEO_MAX_SECONDS: int(1).default(4 * 3600),
  TIPHASH_VIDEO_MAX_FRAMES: int(1).default(4 * 3600 * 60),
  TIPHASH_VIDEO_TIMEOUT_SECONDS: int(1).default(3600),
  TIPHASH_VIDEO_MAX_BYTES: int(1).default(4 * 1024 ** 3),
  TIPHASH_VIDEO_MATCH_RULE: z.enum(['hma', 'compared']).default('hma'),
  TIPHASH_VIDEO_MATCH_PERCENT: z.coerce.number().min(0).max(100).default(80),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof ENV>;

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Unset: the embedded PGlite database under dataDir. */
  readonly databaseUrl: string | undefined;
  /** Unset: the in-process queue (one process runs API and workers). */
  readonly redisUrl: string | undefined;
  readonly dataDir: string;
  readonly staging: { readonly dir: string; readonly key: Buffer | undefined; readonly ttlHours: number };
  readonly bootstrapAdminKey: string | undefined;
  readonly webhookSecret: string | undefined;
  readonly limits: { readonly maxUploadBytes: number; readonly maxPixels: number; readonly maxBatchItems: number };
  readonly fetch: { readonly timeoutMs: number; readonly allowPrivate: readonly string[] };
  readonly worker: {
    readonly concurrency: number;
    readonly attempts: number;
    /** A worker process's own /healthz, /readyz and /metrics port; undefined: none (0: any free port). */
    readonly port: number | undefined;
    /** How often items in flight in the store are checked against the queue (and how long one may sit untouched first). */
    readonly reconcileSeconds: number;
  };
  /** Namespaces the BullMQ keys in Redis, so deployments (or tests) can share one server. */
  readonly queuePrefix: string;
  readonly rateLimitPerMinute: number;
  readonly indexImpl: 'ts' | 'native' | undefined;
  /** Video hashing (ffmpeg) and matching (vPDQ); hashVideo/VideoMatcher take these as options. */
  readonly video: {
    readonly ffmpegPath: string;
    /** Unset: ffprobe beside ffmpegPath, or on PATH. */
    readonly ffprobePath: string | undefined;
    readonly mode: 'fps1' | 'every' | 'keyframes';
    readonly limits: {
      readonly maxSeconds: number;
      readonly maxFrames: number;
      readonly timeoutSeconds: number;
      readonly maxBytes: number;
    };
    /** hma: query % ≥ matchPercent (HMA); compared: compared % ≥ matchPercent (vPDQ README). */
    readonly rule: 'hma' | 'compared';
    readonly matchPercent: number;
  };
  readonly logLevel: Env['LOG_LEVEL'];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Buffer.isBuffer(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in docker-compose files with `FOO: ${FOO:-}`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ENV.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? '?');
        const got = present[name];
        const shown = got === undefined ? 'nothing' : /KEY|SECRET|URL/.test(name) ? 'a value (hidden)' : JSON.stringify(got);
        return `${name}: expected ${i.message.replace(/^Invalid input: expected /i, '')} but received ${shown}`;
      }),
    );
  }
  const e = parsed.data;
  const dataDir = resolve(e.TIPHASH_DATA_DIR);
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    dataDir,
    staging: { dir: resolve(e.TIPHASH_STAGING_DIR ?? `${dataDir}/staging`), key: e.TIPHASH_STAGING_KEY, ttlHours: e.TIPHASH_STAGING_TTL_HOURS },
    bootstrapAdminKey: e.TIPHASH_BOOTSTRAP_ADMIN_KEY,
    webhookSecret: e.TIPHASH_WEBHOOK_SECRET,
    limits: { maxUploadBytes: e.TIPHASH_MAX_UPLOAD_BYTES, maxPixels: e.TIPHASH_MAX_PIXELS, maxBatchItems: e.TIPHASH_MAX_BATCH_ITEMS },
    fetch: { timeoutMs: e.TIPHASH_FETCH_TIMEOUT_MS, allowPrivate: e.TIPHASH_FETCH_ALLOW_PRIVATE },
    worker: {
      concurrency: e.TIPHASH_WORKER_CONCURRENCY,
      attempts: e.TIPHASH_JOB_ATTEMPTS,
      port: e.TIPHASH_WORKER_PORT,
      reconcileSeconds: e.TIPHASH_RECONCILE_SECONDS,
    },
    queuePrefix: e.TIPHASH_QUEUE_PREFIX,
    rateLimitPerMinute: e.TIPHASH_RATE_LIMIT_PER_MINUTE,
    indexImpl: e.TIPHASH_INDEX_IMPL,
    video: {
      ffmpegPath: e.TIPHASH_FFMPEG_PATH,
      ffprobePath: e.TIPHASH_FFPROBE_PATH,
      mode: e.TIPHASH_VIDEO_MODE,
      limits: {
        maxSeconds: e.TIPHASH_VIDEO_MAX_SECONDS,
        maxFrames: e.TIPHASH_VIDEO_MAX_FRAMES,
        timeoutSeconds: e.TIPHASH_VIDEO_TIMEOUT_SECONDS,
        maxBytes: e.TIPHASH_VIDEO_MAX_BYTES,
      },
      rule: e.TIPHASH_VIDEO_MATCH_RULE,
      matchPercent: e.TIPHASH_VIDEO_MATCH_PERCENT,
    },
    logLevel: e.LOG_LEVEL,
  });
}
