/**
 * CPU time from /proc (Linux), so the pipeline's cost can be told apart from the machine's
 * other load: wall-clock throughput on a shared machine says as much about the neighbours.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second (CLK_TCK), the unit of /proc CPU times. */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime (+ waited-for children) of one process, in seconds; 0 if it is gone. */
export function processCpu(pid: number, children = false): number {
  try {
    // The command name (field 2) may hold spaces: split after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // Fields 14-17 of stat are f[11]..f[14] here.
    return (f[11]! + f[12]! + (children ? f[13]! + f[14]! : 0)) / TICKS;
  } catch {
    return 0;
  }
}

/** CPU of every process whose command name is one of `names` (e.g. postgres, redis-server). */
export function namedCpu(names: readonly string[]): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${d}/comm`, 'utf8').trim())) total += processCpu(Number(d));
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}
