// The all role as its own entry point (node dist/workers/all.js); `tiphash serve` does the same.
import { runService } from '../src/service/run.js';

process.exitCode = await runService('all').catch((err: unknown) => {
  process.stderr.write(`tiphash all: ${err instanceof Error ? err.message : String(err)}\n`);
  return 2;
});
