import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import type { Staging as StagingStore } from '../intake/staging.js';
import type { JobQueue } from '../queue/types.js';
import type { Db } from '../store/index.js';

/** What the API needs of the encrypted upload staging: streaming `put` and `remove`. */
export type Staging = Pick<StagingStore, 'put' | 'remove'>;

export interface Readiness {
  ready: boolean;
  /** One line per dependency, e.g. `{ db: 'ok', index: 'loading' }`. */
  checks: Record<string, string>;
}

/** Everything buildApp needs, opened and owned by the caller (src/service), which also closes it. */
export interface AppDeps {
  config: Config;
  /** The root logger; fastify logs through a child per request. */
  logger: Logger;
  db: Db;
  queue: JobQueue;
  staging: Staging;
  ready(): Promise<Readiness>;
  metrics: { contentType: string; render(): Promise<string> };
  /** The clock the webhook window is checked against; tests move it. */
  now?: () => Date;
}
