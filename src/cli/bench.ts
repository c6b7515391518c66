import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = new URL('../../bench/', import.meta.url);

function available(): string[] {
  return readdirSync(fileURLToPath(BENCH_DIR))
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** `tiphash bench NAME [args]` runs bench/NAME.ts; with no name, every benchmark in turn. */
export async function benchCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const names = available();
  if (name === '--help' || name === '-h') {
    process.stdout.write(`Usage: tiphash bench [${names.join('|')}] [options]\n`);
    return 0;
  }
  if (name !== undefined && !names.includes(name)) {
    process.stderr.write(`tiphash bench: unknown benchmark ${JSON.stringify(name)}; available: ${names.join(', ')}\n`);
    return 2;
  }
  for (const n of name === undefined ? names : [name]) {
    if (name === undefined) process.stderr.write(`\n== bench ${n} ==\n`);
    const mod = (await import(new URL(`${n}.js`, BENCH_DIR).href)) as { run: (args: string[]) => Promise<void> };
    await mod.run(name === undefined ? [] : rest);
  }
  return 0;
}
