/**
 * Robustness of the image hashes: does a re-posted picture still match its original, and do
 * different pictures stay apart? Every benign original (fixture photos, video stills, crops,
 * synthetic scenes; see robustness/set.ts) goes through the edits of robustness/edits.ts; each
 * picture is hashed by hashImage and matched by ListMatcher against a list of all originals,
 * as a scan would. Prints JSON lines (recall per edit, false matches, same-scene distances,
 * the threshold curve), then tables. No assertions.
 * `npx tsx bench/robustness.ts [--fast] [--exact] [--json] [--concurrency N]`
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ALGORITHMS } from '../src/core/algorithms.js';
import { curveRows, isTrusted, pairRows, recallRows } from './robustness/analysis.js';
import { calibrate } from './robustness/calibrate.js';
import { EDITS } from './robustness/edits.js';
import { hashSet, type Mode } from './robustness/hash-set.js';
import { printTables, type Report } from './robustness/report.js';
import { score, type Semantics } from './robustness/score.js';
import { buildSet, CATEGORIES } from './robustness/set.js';

/** The curve spans thresholds 0..CURVE_MAX, every CURVE_STEP bits. */
const CURVE_MAX = 64;
const CURVE_STEP = 1;
const FAST_SEMANTICS: readonly Semantics[] = ['pdq', 'pdq+dihedral', 'pdq+trimmed-entries', 'blockhash'];
/** Exact mode changes PDQ only (blockhash is the same algorithm on a full-resolution decode). */
const EXACT_SEMANTICS: readonly Semantics[] = ['pdq', 'pdq+dihedral'];
/** PDQ's curve on the dihedral list: the stricter of its two lists on false matches. */
const CURVE_SEMANTICS: readonly Semantics[] = ['pdq+dihedral', 'blockhash'];

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      fast: { type: 'boolean', default: false },
      exact: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '2' },
    },
  });
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`Expected a positive integer for --concurrency but received ${JSON.stringify(values.concurrency)}`);
  const modes: Mode[] = values.exact ? ['fast', 'exact'] : ['fast'];

  const started = performance.now();
  const { originals, notes } = buildSet({ fast: values.fast });
  const progress = (done: number): void => {
    if (done % 25 === 0 || done === originals.length)
      process.stderr.write(`robustness: hashed ${done}/${originals.length} originals and their edits\n`);
  };
  const set = await hashSet(originals, { modes, concurrency, onProgress: progress });
  const hashedSeconds = (performance.now() - started) / 1000;

  const report: Report = { recall: [], falseMatches: [], sameScene: [], curves: [], calibration: null };
  for (const mode of modes) {
    const scores = await score(set, mode, mode === 'fast' ? FAST_SEMANTICS : EXACT_SEMANTICS);
    const pairs = pairRows(set, scores, mode);
    report.recall.push(...recallRows(set, scores, mode));
    report.falseMatches.push(...pairs.falseMatches);
    report.sameScene.push(...pairs.sameScene);
    if (mode === 'fast') {
      for (const s of CURVE_SEMANTICS) report.curves.push(...curveRows(set, scores, mode, s, CURVE_MAX, CURVE_STEP));
    }
  }
  const blockhashPairs = report.falseMatches.filter(
    (r) => r.mode === 'fast' && r.semantics === 'blockhash' && r.pairs !== 'low-quality',
  );
  const nearest = blockhashPairs.reduce<number | null>(
    (m, r) => (r.min === null ? m : Math.min(m ?? r.min, r.min)),
    null,
  );
  report.calibration = calibrate(
    report.curves.filter((r) => r.semantics === 'blockhash'),
    nearest,
    ALGORITHMS.blockhash.defaultThreshold,
  );
  // The rare near pairs the threshold must avoid need the whole set to show up.
  if (report.calibration && values.fast) report.calibration.summary += ' (--fast subset: calibrate on the full set.)';
  const summary = {
    kind: 'set',
    originals: set.originals.length,
    byCategory: Object.fromEntries(CATEGORIES.map((c) => [c, set.originals.filter((o) => o.category === c).length])),
    lowQuality: set.originals.filter((o) => !isTrusted(o)).map((o) => o.name),
    groups: [...new Set(set.originals.map((o) => o.group))].length,
    skipped: set.skipped,
    failedEdits: set.items.flatMap((i) =>
      i.error ? [{ original: set.originals[i.original]!.name, edit: i.edit, reason: i.error }] : [],
    ),
    notes,
    modes,
    hashingSeconds: Number(hashedSeconds.toFixed(1)),
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
  const rows = [
    summary,
    ...report.recall,
    ...report.falseMatches,
    ...report.sameScene,
    ...report.curves,
    ...(report.calibration ? [report.calibration] : []),
  ];
  for (const row of rows) console.log(JSON.stringify({ bench: 'robustness', ...row }));
  if (values.json) return;
  const setLines = [
    `Set: ${summary.originals} originals (${CATEGORIES.map((c) => `${summary.byCategory[c]} ${c}`).join(', ')}) in ${summary.groups} scenes; ` +
      `${summary.lowQuality.length} with PDQ quality < 50 reported apart; ${EDITS.length} edits each; modes: ${modes.join(', ')}; ${summary.seconds} s (machine shared).`,
    ...notes.map((n) => `Note: ${n}`),
    ...set.skipped.map((s) => `Skipped ${s.name}: ${s.reason}`),
    ...summary.failedEdits.map((f) => `Edit ${f.edit} of ${f.original} failed (counted as a miss): ${f.reason}`),
  ];
  printTables(report, setLines);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run(process.argv.slice(2));
}
