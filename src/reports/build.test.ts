import { describe, expect, it } from 'vitest';
import { videoOf } from './build.js';

describe('videoOf', () => {
  it("reads the vPDQ matcher's shares and ranges, or the migration's item ranges", () => {
    expect(videoOf({ queryPct: 80, comparedPct: 75.5, ranges: [[0, 4.5]] })).toEqual({
      queryPct: 80,
      comparedPct: 75.5,
      ranges: [[0, 4.5]],
    });
    expect(videoOf({ item: [[1, 2]], entry: [[10, 11]] })).toEqual({
      queryPct: null,
      comparedPct: null,
      ranges: [[1, 2]],
    });
  });

  it('shows nothing for anything else', () => {
    for (const frames of [null, 3, 'x', [], {}, { ranges: [[1]] }, { queryPct: 'high' }, { ranges: [[0, Infinity]] }])
      expect(videoOf(frames)).toBeNull();
  });
});
