/** Child processes of the end-to-end benchmark: the built CLI, its output kept, stopped by SIGTERM. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from bench/e2e (tsx) or dist/bench/e2e (built). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bin/tiphash.js'))) {
    const up = resolve(dir, '..');
    if (up === dir) throw new Error('Expected bin/tiphash.js in a folder above the benchmark');
    dir = up;
  }
  return dir;
}

export interface Proc {
  name: string;
  child: ChildProcess;
  output: string[];
  /** Resolves with the first match of `pattern` in the output. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export function tiphash(name: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [join(repoRoot(), 'bin/tiphash.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output.push(chunk.toString());
    for (const l of listeners) l();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    name,
    child,
    output,
    exited,
    waitFor(pattern, ms = 600_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(output.join(''));
          if (!m) return;
          done();
          resolve(m);
        };
        const timer = setTimeout(
          () => (done(), reject(new Error(`${name}: no ${pattern} within ${ms} ms:\n${output.join('').slice(-2000)}`))),
          ms,
        );
        const onExit = () => (done(), reject(new Error(`${name} exited:\n${output.join('').slice(-2000)}`)));
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
