// Drives the addon given on the command line (native/sanitize.sh builds it with ASan and UBSan)
// through the segmented index: imports, adds, removals, merges, single and batch searches,
// each compared with a brute-force scan. Run with tsx loaded: node --import tsx addon-check.mjs ADDON
import { createRequire } from 'node:module';
import { nativeKernel } from '../../src/matching/kernel-native.ts';
import { SegmentedIndex } from '../../src/matching/segmented-index.ts';
import { bruteForce, clustered, flip } from '../../test/matching-helpers.ts';
const binding = createRequire(import.meta.url)(process.argv[2]);
let bad = 0,
  checks = 0;
for (let round = 0; round < 30; round++) {
  const idx = new SegmentedIndex(nativeKernel(binding), { deltaCapacity: 32, maxSegments: 2 });
  let live = clustered(300 + round * 50, round + 1).map((e) => ({ id: e.id % 97, hash: e.hash }));
  idx.addMany(
    live.map((e) => e.id),
    Uint8Array.from(live.flatMap((e) => [...e.hash])),
  );
  for (const e of clustered(200, round + 99)) {
    idx.add(e.id % 97, e.hash);
    live.push({ id: e.id % 97, hash: e.hash });
  }
  for (const id of [round, round + 5, round + 40]) {
    idx.remove(id);
    live = live.filter((e) => e.id !== id);
  }
  if (round % 2) await idx.flush();
  for (let i = 0; i < 10; i++) {
    const r = [0, 15, 31, 47, 64, 100][i % 6];
    const q = flip(live[(i * 31) % live.length].hash, i % 16, i + round);
    const got = idx.search(q, r).sort((a, b) => a.id - b.id || a.distance - b.distance);
    checks++;
    if (JSON.stringify(got) !== JSON.stringify(bruteForce(live, q, r))) bad++;
  }
  const qs = Uint8Array.from(live.slice(0, 20).flatMap((e) => [...e.hash]));
  const batch = await idx.searchBatch(qs, 31);
  batch.forEach((ms, i) => {
    checks++;
    if (
      JSON.stringify(ms.sort((a, b) => a.id - b.id || a.distance - b.distance)) !==
      JSON.stringify(bruteForce(live, live[i].hash, 31))
    )
      bad++;
  });
  await idx.flush();
}
console.log(`asan addon: checks=${checks} mismatches=${bad}`);
process.exitCode = bad === 0 ? 0 : 1;
