import { AppError, isAppError } from '../core/errors.js';

type Command = (argv: string[]) => Promise<number>;

/** Each command module is loaded only when used, so `tiphash hash` never loads the server. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  hash: {
    summary: 'print the digests and perceptual hashes of files',
    load: async () => (await import('./hash.js')).hashCommand,
  },
  scan: {
    summary: 'match files, folders and URLs against hash lists',
    load: async () => (await import('./scan.js')).scanCommand,
  },
  demo: {
    summary: 'scan the benign demo folder, then run it through the embedded service',
    load: async () => (await import('./demo.js')).demoCommand,
  },
  bench: {
    summary: 'run a benchmark (hashing, match, robustness, ...)',
    load: async () => (await import('./bench.js')).benchCommand,
  },
  keys: { summary: 'create, list and revoke API keys', load: async () => (await import('./keys.js')).keysCommand },
  lists: {
    summary: 'create hash lists, import list files, list them',
    load: async () => (await import('./lists.js')).listsCommand,
  },
  audit: { summary: "verify the audit log's hash chain", load: async () => (await import('./audit.js')).auditCommand },
  report: {
    summary: "write a batch's case report (JSON, CSV, HTML), or verify a copy",
    load: async () => (await import('./report.js')).reportCommand,
  },
  serve: {
    summary: 'run the service: API and workers (embedded), or --role api',
    load: async () => (await import('./serve.js')).serveCommand,
  },
  worker: {
    summary: 'run a worker of the distributed shape (REDIS_URL, DATABASE_URL)',
    load: async () => (await import('./worker.js')).workerCommand,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: tiphash <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `tiphash <command> --help` for its options.',
  ].join('\n');
}

/** Runs the CLI and returns the process exit code: 0 ok / nothing matched, 1 matched, 2 the run failed. */
export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`tiphash: unknown command ${JSON.stringify(name)}\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await (
      await command.load()
    )(rest);
  } catch (err) {
    // Only run-level failures reach here (bad arguments, unreadable list); items fail one by one.
    const message = isAppError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`tiphash ${name}: ${message}\n`);
    if (!isAppError(err) && process.env.TIPHASH_DEBUG === '1' && err instanceof Error)
      process.stderr.write(`${err.stack}\n`);
    return 2;
  }
}

export { AppError };
