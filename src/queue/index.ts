/** The queue's public surface: pick the implementation for a configuration. */
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import { bullBackend } from './bullmq.js';
import { memoryBackend } from './memory.js';
import { jobPolicies } from './policy.js';
import type { QueueBackend } from './types.js';

export * from './types.js';
export { jobPolicies, jobId, backoffDelay, type JobPolicy, type JobPolicies } from './policy.js';
export { memoryBackend } from './memory.js';
export { bullBackend } from './bullmq.js';

/** BullMQ when REDIS_URL is set, else the in-process queue. */
export function openQueue(
  config: Pick<Config, 'redisUrl' | 'queuePrefix' | 'worker' | 'fetch' | 'video'>,
  logger: Logger,
): QueueBackend {
  const policies = jobPolicies(config);
  return config.redisUrl === undefined
    ? memoryBackend(policies)
    : bullBackend({ url: config.redisUrl, prefix: config.queuePrefix, policies, logger });
}
