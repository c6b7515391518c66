// The api role as its own entry point (node dist/workers/api.js); `tiphash serve --role api` does the same.
import { runService } from '../src/service/run.js';

process.exitCode = await runService('api').catch((err: unknown) => {
  process.stderr.write(`tiphash api: ${err instanceof Error ? err.message : String(err)}\n`);
  return 2;
});
