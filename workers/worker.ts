// The worker role as its own entry point (node dist/workers/worker.js); `tiphash worker` does the same.
import { runService } from '../src/service/run.js';

process.exitCode = await runService('worker').catch((err: unknown) => {
  process.stderr.write(`tiphash worker: ${err instanceof Error ? err.message : String(err)}\n`);
  return 2;
});
