import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitCsvLine } from './csv-line.js';

describe('splitCsvLine', () => {
  it('splits plain fields, keeping empty ones', () => {
    expect(splitCsvLine('a,b,,d')).toEqual(['a', 'b', '', 'd']);
    expect(splitCsvLine('a,b,')).toEqual(['a', 'b', '']);
    expect(splitCsvLine('')).toEqual(['']);
  });

  it('reads quoted fields with commas and doubled quotes', () => {
    expect(splitCsvLine('pdq,"a, b","say ""hi""",')).toEqual(['pdq', 'a, b', 'say "hi"', '']);
    expect(splitCsvLine('"",x')).toEqual(['', 'x']);
  });

  it('reports an unclosed quote, text after a quote, and a stray quote', () => {
    expect(splitCsvLine('a,"b')).toEqual({ reason: 'A quoted field is not closed on this line' });
    expect(splitCsvLine('a,"b"c')).toEqual({ reason: 'Unexpected text after a quoted field' });
    expect(splitCsvLine('a,b"c')).toEqual({ reason: 'A quote inside an unquoted field' });
  });

  it('inverts RFC 4180 quoting of any single-line fields', () => {
    const field = fc.string().filter((s) => !/[\r\n]/.test(s));
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 6 }), (fields) => {
        const line = fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(',');
        expect(splitCsvLine(line)).toEqual(fields);
      }),
    );
  });
});
