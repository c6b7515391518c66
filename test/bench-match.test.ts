// `tiphash bench match` as a user runs it: one JSON row per radius, exact, after its warm-up.
import { describe, expect, it } from 'vitest';
import { run } from '../bench/match.js';
import { loadNative } from '../native/index.js';
import { capture } from './cli-capture.js';

const impls = loadNative().binding ? ['ts', 'native'] : ['ts'];

describe.each(impls)('bench match --impl %s', (impl) => {
  it('prints a row per radius with recall 1, the warm-up it ran and the scan yardstick', async () => {
    const args = ['--n', '3000', '--radius', '0', '--radius', '31', '--queries', '40', '--impl', impl];
    const { stdout } = await capture(() => run([...args, '--warmup', '0.05', '--json']).then(() => 0));
    const rows = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.radius)).toEqual([0, 31]);
    for (const row of rows) {
      expect(row).toMatchObject({ impl, n: 3000, queries: 40, recall: 1, clustered: false });
      expect(row.recallChecked).toBe(40);
      // At least 300 warm-up searches, and as many as 50 ms took.
      expect(row.warmup).toBeGreaterThanOrEqual(300);
      expect(row.qps).toBeGreaterThan(0);
      expect(row.bytesPerHash).toBeGreaterThan(32);
      if (impl === 'native') expect(row.scanQps).toBeGreaterThan(0);
    }
  });

  it('refuses a warm-up that is not a number of seconds from 0 to 600', async () => {
    for (const bad of ['-1', 'soon', '601'])
      await expect(run(['--n', '10', '--impl', impl, '--warmup', bad, '--json'])).rejects.toThrow(/--warmup/);
  });
});
