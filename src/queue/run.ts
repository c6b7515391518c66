import { timeoutError, type JobPolicy } from './policy.js';
import type { Handler, JobContext, JobName, JobPayloads } from './types.js';

/**
 * Runs one try of a handler under its policy's timeout. At the deadline the job's signal is
 * aborted (fetches and ffmpeg stop) and the try fails with a transient `job_timeout`, so a
 * hung run cannot hold a worker slot forever. A run that ignores the signal and finishes
 * later can only repeat what recording already makes idempotent.
 */
export async function runHandler<K extends JobName>(
  handler: Handler<K>,
  payload: JobPayloads[K],
  ctx: Omit<JobContext, 'signal'>,
  policy: Pick<JobPolicy, 'timeoutMs'>,
  outer?: AbortSignal,
): Promise<void> {
  const controller = new AbortController();
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = timeoutError(policy);
      controller.abort(err);
      reject(err);
    }, policy.timeoutMs);
  });
  try {
    await Promise.race([handler(payload, { ...ctx, signal: controller.signal }), deadline]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', forward);
  }
}
