import type { ItemReport, MatchRecord } from '../core/match.js';

export const REPORT_FORMATS = ['ndjson', 'json', 'csv', 'text'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ScanSummary {
  items: number;
  matched: number;
  no_match: number;
  failed: number;
  seconds: number;
}

export function emptySummary(): ScanSummary {
  return { items: 0, matched: 0, no_match: 0, failed: 0, seconds: 0 };
}

/** Columns of the CSV report: one row per match, or one row for an item without matches. */
export const CSV_COLUMNS = [
  'source',
  'size',
  'media_type',
  'md5',
  'sha1',
  'sha256',
  'verdict',
  'list',
  'entry_id',
  'algorithm',
  'distance',
  'threshold',
  'score',
  'category',
  'quality',
  'low_confidence',
  'via',
  'query_pct',
  'compared_pct',
  'matched_ranges',
  'error_code',
  'error_message',
] as const;

/** RFC 4180 quoting, and a leading quote for cells a spreadsheet would run as a formula. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === undefined || value === null) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && typeof value === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A service item still queued or processing has no verdict yet: its cell stays empty. */
export type PendingReport = Omit<ItemReport, 'verdict'> & { verdict: ItemReport['verdict'] | null };

export function csvRows(item: ItemReport | PendingReport): string[] {
  const base = [item.source, item.size, item.mediaType, item.md5, item.sha1, item.sha256, item.verdict];
  const tail = [item.error?.code, item.error?.message];
  const rows =
    item.matches.length === 0
      ? [[...base, ...Array<string>(CSV_COLUMNS.length - base.length - tail.length).fill(''), ...tail]]
      : item.matches.map((m) => [
          ...base,
          m.list,
          m.entryId,
          m.algorithm,
          m.distance,
          m.threshold,
          m.score,
          m.category,
          m.quality,
          m.lowConfidence ? 'true' : 'false',
          m.via,
          m.queryPct,
          m.comparedPct,
          m.ranges ? rangesText(m.ranges) : undefined,
          ...tail,
        ]);
  return rows.map((r) => r.map(csvCell).join(','));
}

/** A video match's time ranges of the item, in seconds: `0-18 25-31.5`. */
export function rangesText(ranges: ReadonlyArray<readonly [number, number]>): string {
  return ranges.map(([a, b]) => `${a}-${b}`).join(' ');
}

/** ` (pdqTrimmed)`, ` (rot90)`: which of the item's hashes matched, when it is not the plain one. */
export function viaLabel(m: Pick<MatchRecord, 'algorithm' | 'via'>): string {
  return m.via && m.via !== m.algorithm && m.via !== 'digest' ? ` (${m.via})` : '';
}

/** One line per item for people reading a terminal: verdict, source, the best match or the error. */
export function textLine(item: ItemReport): string {
  const verdict = item.verdict.toUpperCase().padEnd(9);
  const best = item.matches[0];
  const details: string[] = [];
  if (best) {
    const more = item.matches.length > 1 ? ` (+${item.matches.length - 1} more)` : '';
    const cat = best.category ? `, category ${best.category}` : '';
    const low = best.lowConfidence ? ' LOW-QUALITY' : '';
    const frames =
      best.queryPct === undefined
        ? ''
        : `, ${best.queryPct}% of this video's frames${best.comparedPct === undefined ? '' : ` and ${best.comparedPct}% of the listed one's`}${best.ranges?.length ? ` (at ${rangesText(best.ranges)} s)` : ''}`;
    details.push(
      `${best.list}/${best.entryId} by ${best.algorithm}${viaLabel(best)} at distance ${best.distance}/${best.threshold}, score ${best.score}${frames}${cat}${low}${more}`,
    );
  }
  if (item.error) details.push(`${item.error.code}: ${item.error.message}`);
  if (item.allowListed) details.push(`allow-listed by ${item.allowListed.list}/${item.allowListed.entryId}`);
  return [`${verdict} ${item.source}`, ...details.map((d) => `          ${d}`)].join('\n');
}

/**
 * Writes a report incrementally: NDJSON and CSV stream item by item (a 100k-item scan is
 * never held as one string); JSON keeps its items array open until the summary arrives.
 */
export class ReportWriter {
  private first = true;

  constructor(
    private readonly format: ReportFormat,
    private readonly write: (chunk: string) => void,
  ) {}

  begin(): void {
    if (this.format === 'csv') this.write(CSV_COLUMNS.join(',') + '\n');
    if (this.format === 'json') this.write('{"items":[');
  }

  item(item: ItemReport): void {
    switch (this.format) {
      case 'ndjson':
        this.write(JSON.stringify(item) + '\n');
        break;
      case 'csv':
        this.write(csvRows(item).join('\n') + '\n');
        break;
      case 'json':
        this.write((this.first ? '\n' : ',\n') + JSON.stringify(item));
        break;
      case 'text':
        this.write(textLine(item) + '\n');
        break;
    }
    this.first = false;
  }

  end(summary: ScanSummary): void {
    if (this.format === 'ndjson') this.write(JSON.stringify({ summary }) + '\n');
    if (this.format === 'json') this.write(`\n],"summary":${JSON.stringify(summary)}}\n`);
  }
}
