/**
 * Splits one CSV line (RFC 4180 quoting: `"a,b"`, `""` for a quote) into fields.
 * Lists are read line by line so that a broken line is reported with its number and the
 * rest still loads; a field spanning lines is therefore not supported, and a quote left
 * open at the end of the line is an error for that line only.
 */
export function splitCsvLine(line: string): string[] | { reason: string } {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) return { reason: 'A quoted field is not closed on this line' };
        value += line.slice(i, close);
        if (line[close + 1] === '"') {
          value += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      if (i < line.length && line[i] !== ',') return { reason: 'Unexpected text after a quoted field' };
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      const value = line.slice(i, end);
      if (value.includes('"')) return { reason: 'A quote inside an unquoted field' };
      fields.push(value);
      i = end;
    }
    if (i >= line.length) return fields;
    i++; // the comma
    if (i === line.length) {
      fields.push('');
      return fields;
    }
  }
}
