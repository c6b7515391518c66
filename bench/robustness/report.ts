/** The readable side of the robustness bench: a few tables, after the JSON lines. */
import { ALGORITHMS } from '../../src/core/algorithms.js';
import { BUCKETS, type CurveRow, type FalseMatchRow, type RecallRow, type SameSceneRow } from './analysis.js';
import type { Calibration } from './calibrate.js';
import { SEMANTICS, type Semantics } from './score.js';

export interface Report {
  recall: RecallRow[];
  falseMatches: FalseMatchRow[];
  sameScene: SameSceneRow[];
  curves: CurveRow[];
  calibration: Calibration | null;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)) + 2);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const pct = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const num = (x: number | null): string => (x === null ? '-' : String(x));
const recallCell = (r: RecallRow | undefined): string => (r ? `${pct(r.recall)} (${num(r.p95)}/${num(r.max)})` : '-');

const RECALL_COLUMNS: readonly Semantics[] = ['pdq', 'pdq+dihedral', 'pdq+trimmed-entries', 'blockhash'];

function recallTables(rows: RecallRow[], mode: 'fast' | 'exact'): string[] {
  const out: string[] = [];
  const columns = RECALL_COLUMNS.filter((s) => rows.some((r) => r.mode === mode && r.semantics === s));
  for (const bucket of BUCKETS) {
    const mine = rows.filter((r) => r.mode === mode && r.bucket === bucket);
    if (mine.length === 0) continue;
    const edits = [...new Set(mine.map((r) => r.edit))];
    const header = ['edit', 'n', ...columns.map((s) => `${s} ≤${mine.find((r) => r.semantics === s)!.threshold}`)];
    const body = edits.map((edit) => {
      const cells = columns.map((s) => mine.find((r) => r.edit === edit && r.semantics === s));
      return [edit, String(cells[0]?.n ?? 0), ...cells.map(recallCell)];
    });
    out.push(
      `\nRecall, ${mode} hashing, ${bucket} originals: matched (p95/max distance to the original)\n${table(header, body)}`,
    );
  }
  return out;
}

function falseMatchTable(rows: FalseMatchRow[]): string {
  const body = rows.map((r) => [
    r.mode,
    r.semantics,
    String(r.threshold),
    r.pairs,
    String(r.comparisons),
    String(r.matches),
    num(r.min),
    num(r.p1),
    num(r.p5),
    r.closest[0] ? `${r.closest[0].item} ~ ${r.closest[0].entry}` : '-',
  ]);
  return `\nFalse matches: pictures of different scenes within the threshold\n${table(['mode', 'semantics', 'thr', 'pairs', 'comparisons', 'matches', 'min', 'p1', 'p5', 'closest pair'], body)}`;
}

function sameSceneTable(rows: SameSceneRow[]): string {
  const groups = [...new Set(rows.map((r) => r.group))];
  const semantics = [...new Set(rows.filter((r) => r.mode === 'fast').map((r) => r.semantics))];
  const body = groups.map((g) => {
    const cells = semantics.map((s) => rows.find((r) => r.mode === 'fast' && r.group === g && r.semantics === s));
    return [
      g,
      String(cells[0]?.pictures ?? 0),
      ...cells.map((c) => (c ? `${c.matches}/${c.comparisons} (${num(c.min)}..${num(c.max)})` : '-')),
    ];
  });
  return `\nSame scene, different pictures (not counted as false matches): matches/comparisons (min..max distance)\n${table(['group', 'pictures', ...semantics], body)}`;
}

/** Every `every`-th threshold, plus the `marked` ones (threshold in force, suggestion). */
function curveTable(rows: CurveRow[], every: number, marked: number[]): string {
  const shown = (t: number): boolean => t % every === 0 || marked.includes(t);
  const bySemantics = (s: Semantics) => rows.filter((r) => r.semantics === s && shown(r.threshold));
  const bh = bySemantics('blockhash');
  const pdq = bySemantics('pdq+dihedral');
  const body = bh.map((b, i) => {
    const p = pdq[i];
    return [
      String(b.threshold),
      pct(b.recall),
      pct(b.recallPhotos),
      `${b.worstEdit} ${pct(b.worstEditRecall)}`,
      String(b.falseMatches),
      String(b.falseMatchesOriginals),
      p ? pct(p.recall) : '-',
      p ? String(p.falseMatches) : '-',
    ];
  });
  const header = [
    'thr',
    'bh recall',
    'bh photos',
    'bh worst edit',
    'bh false',
    'bh false (originals)',
    'pdq recall',
    'pdq false',
  ];
  return `\nThreshold curve over the edits that keep the frame (trusted originals; false = different-scene comparisons within the threshold)\n${table(header, body)}`;
}

export function printTables(report: Report, setLines: string[]): void {
  const parts: string[] = ['', ...setLines];
  parts.push(...recallTables(report.recall, 'fast'));
  if (report.recall.some((r) => r.mode === 'exact')) parts.push(...recallTables(report.recall, 'exact'));
  parts.push(falseMatchTable(report.falseMatches));
  parts.push(sameSceneTable(report.sameScene));
  const marked = [
    ALGORITHMS.pdq.defaultThreshold,
    ...(report.calibration ? [report.calibration.current, report.calibration.suggested] : []),
  ];
  parts.push(curveTable(report.curves, 4, marked));
  if (report.calibration) parts.push(`\n${report.calibration.summary}`);
  parts.push(
    `\nSemantics: ${Object.entries(SEMANTICS)
      .map(([k, v]) => `${k} = ${v.label}`)
      .join('; ')}.`,
  );
  console.log(parts.join('\n'));
}
