/**
 * ffmpeg and ffprobe as child processes (no wrapper library). One run: stdout streamed to the
 * caller, stderr kept as a bounded tail for messages, the process killed (SIGKILL) at a
 * deadline, on abort or when the caller stops early, and always reaped before the run reports
 * its end, so no decoder outlives the item it was started for.
 */
import { spawn } from 'node:child_process';
import { AppError } from '../core/errors.js';

/** How much of stderr is kept: enough for ffmpeg's last error lines. */
const STDERR_TAIL = 8192;

export interface ToolOptions {
  /** Absolute time (Date.now() scale) at which the process is killed. */
  deadline: number;
  signal?: AbortSignal | undefined;
  /** Bytes written to the process's stdin (an input given as `pipe:0`). */
  stdin?: Uint8Array | undefined;
  /** Named in messages, e.g. "ffmpeg" or "ffprobe". */
  name: string;
  /** Seconds the deadline stood for, named in the timeout message. */
  timeoutSeconds: number;
  /** Sees every stderr line; lines it claims (returns true) stay out of the kept tail. */
  onStderrLine?: ((line: string) => boolean) | undefined;
}

export interface ToolExit {
  code: number | null;
  stderr: string;
}

interface ToolRun {
  stdout: AsyncIterable<Buffer>;
  kill(): void;
  finish(): Promise<ToolExit>;
}

export function missingTool(name: string, command: string, cause?: unknown): AppError {
  return new AppError(
    'ffmpeg_missing',
    `${name} was not found or cannot be run (${JSON.stringify(command)}): install it (apt-get install ffmpeg) ` +
      `or set TIPHASH_FFMPEG_PATH / TIPHASH_FFPROBE_PATH; images are not affected`,
    { cause },
  );
}

function startTool(command: string, args: string[], opts: ToolOptions): ToolRun {
  opts.signal?.throwIfAborted();
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
    // Nothing from our environment is needed; an empty one keeps proxies and library paths out.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  let stderr = '';
  let spawnError: Error | undefined;
  let timedOut = false;
  let aborted = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code));
    child.once('error', (err) => {
      spawnError = err;
      // 'close' does not always follow a failed spawn.
      if (child.pid === undefined) resolve(null);
    });
  });
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    const lines = (partial + s).split('\n');
    partial = lines.pop()!.slice(-STDERR_TAIL);
    for (const line of lines) {
      if (opts.onStderrLine?.(line) !== true) stderr = (stderr + line + '\n').slice(-STDERR_TAIL);
    }
  });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill('SIGKILL');
  };
  const timer = setTimeout(
    () => {
      timedOut = true;
      kill();
    },
    Math.max(0, opts.deadline - Date.now()),
  );
  const onAbort = () => {
    aborted = true;
    kill();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // ffmpeg may stop reading early (an error, or enough frames): a broken pipe is not ours to report.
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.stdin);
  return {
    stdout: child.stdout,
    kill,
    async finish() {
      const code = await exited;
      clearTimeout(timer);
      if (partial !== '' && opts.onStderrLine?.(partial) !== true) stderr += partial;
      partial = '';
      opts.signal?.removeEventListener('abort', onAbort);
      if (spawnError) throw missingTool(opts.name, command, spawnError);
      if (aborted) throw opts.signal?.reason ?? new Error('aborted');
      if (timedOut) {
        throw new AppError('decode_timeout', `Decoding the video did not finish within ${opts.timeoutSeconds} s`);
      }
      return { code, stderr };
    },
  };
}

/**
 * The first error line of ffmpeg's stderr (run with `-loglevel level+…`, so lines carry their
 * level), without the input's name (a path) or log prefixes.
 */
export function toolError(stderr: string, inputName: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => /\[(error|fatal|panic)\]/.test(l));
  const first = errors[0] ?? lines[lines.length - 1];
  if (first === undefined) return 'no message';
  return first
    .replaceAll(inputName, 'input')
    .replace(/^(\[[^\]]*\]\s*)+/, '')
    .trim();
}

/**
 * Runs a tool and hands its stdout to `consume`, which reads it to the end or throws to stop
 * early (a limit hit). Either way the process is killed if still running and reaped before
 * this returns. Throws `ffmpeg_missing` when it could not be started, `decode_timeout` past
 * the deadline, the abort reason when aborted; otherwise returns what `consume` returned and
 * how the process exited.
 */
export async function runTool<T>(
  command: string,
  args: string[],
  opts: ToolOptions,
  consume: (stdout: AsyncIterable<Buffer>) => Promise<T>,
): Promise<{ result: T; exit: ToolExit }> {
  const run = startTool(command, args, opts);
  let result: T;
  try {
    result = await consume(run.stdout);
  } catch (err) {
    run.kill();
    await run.finish().catch(() => undefined);
    throw err;
  }
  return { result, exit: await run.finish() };
}
