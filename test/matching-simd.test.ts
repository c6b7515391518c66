// Every SIMD level the CPU has gives the same answers: the level is chosen once per process,
// so each runs in a child process with TIPHASH_SIMD capping it.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../native/index.js';

const native = loadNative();
const script = `
const b = require(process.argv[1]);
let s = 12345; const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
const n = 6000, hashes = new Uint8Array(n * 32), ids = new Uint32Array(n);
for (let i = 0; i < hashes.length; i++) hashes[i] = rnd() >>> 24;
for (let i = 0; i < n; i++) ids[i] = i;
b.compact([], new Uint32Array(0), [{ ids, hashes }], new Uint32Array([0]), new Uint32Array(0), new Uint32Array(0)).then((seg) => {
  const set = new b.SegmentSet([seg]);
  const out = new Uint32Array(1 << 16), lines = [];
  for (let i = 0; i < 60; i++) {
    const q = hashes.slice((i * 97 % n) * 32, (i * 97 % n) * 32 + 32);
    for (let f = 0; f < i % 20; f++) q[rnd() % 32] ^= 1 << (rnd() % 8);
    const r = [0, 15, 31, 47, 64][i % 5];
    const k = set.search(q, r, out, 0);
    lines.push(Array.from(out.subarray(0, k * 2)).join(','));
  }
  console.log(JSON.stringify({ simd: b.simd, lines }));
});`;

function runAt(level: string): { simd: string; lines: string[] } {
  const out = execFileSync(process.execPath, ['-e', script, native.binding ? (native as { path: string }).path : ''], {
    env: { ...process.env, TIPHASH_SIMD: level },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { simd: string; lines: string[] };
}

describe.skipIf(!native.binding)('native SIMD levels', () => {
  it('agree with each other at every level this CPU offers', () => {
    const generic = runAt('generic');
    expect(generic.simd).toBe('generic');
    expect(generic.lines.some((l) => l.length > 0)).toBe(true);
    for (const level of ['popcnt', 'avx2', 'avx512']) {
      const r = runAt(level);
      expect(r.lines).toEqual(generic.lines);
    }
  });
});
