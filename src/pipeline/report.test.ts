import { describe, expect, it } from 'vitest';
import type { ItemReport } from '../core/match.js';
import { CSV_COLUMNS, csvCell, csvRows, emptySummary, ReportWriter, textLine, type ReportFormat } from './report.js';

const matched: ItemReport = {
  source: 'a,"b".jpg',
  size: 10,
  md5: 'm',
  verdict: 'matched',
  matches: [
    { list: 'L', entryId: 'E1', algorithm: 'md5', distance: 0, threshold: 0, score: 100, category: null, via: 'digest' },
    { list: 'L', entryId: 'E2', algorithm: 'pdq', distance: 4, threshold: 31, score: 46, category: 'c', quality: 40, lowConfidence: true, via: 'pdq' },
  ],
};
const failed: ItemReport = { source: 'x', verdict: 'failed', matches: [], error: { code: 'corrupt_media', message: 'bad\nfile' } };

function render(format: ReportFormat, items: ItemReport[]): string {
  let out = '';
  const w = new ReportWriter(format, (s) => (out += s));
  w.begin();
  items.forEach((i) => w.item(i));
  w.end({ ...emptySummary(), items: items.length });
  return out;
}

describe('report', () => {
  it('quotes CSV cells and defuses spreadsheet formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
  });

  it('writes one CSV row per match, or one for an item without any', () => {
    expect(csvRows(matched)).toHaveLength(2);
    const [row] = csvRows(failed);
    expect(row!.split(',').length).toBeGreaterThanOrEqual(CSV_COLUMNS.length);
    expect(row).toContain('corrupt_media,"bad\nfile"');
  });

  it('writes valid JSON and NDJSON with the summary last', () => {
    const json = JSON.parse(render('json', [matched, failed])) as { items: ItemReport[]; summary: { items: number } };
    expect(json.items).toEqual([matched, failed]);
    expect(json.summary.items).toBe(2);
    expect(JSON.parse(render('json', []))).toEqual({ items: [], summary: { ...emptySummary() } });
    const lines = render('ndjson', [matched]).trim().split('\n');
    expect(JSON.parse(lines[1]!)).toEqual({ summary: { ...emptySummary(), items: 1 } });
  });

  it('shows people the best match, the count of others, low quality and errors', () => {
    expect(textLine(matched)).toBe('MATCHED   a,"b".jpg\n          L/E1 by md5 at distance 0/0, score 100 (+1 more)');
    expect(textLine({ ...matched, matches: matched.matches.slice(1) })).toContain('LOW-QUALITY');
    expect(textLine(failed)).toBe('FAILED    x\n          corrupt_media: bad\nfile');
  });
});
