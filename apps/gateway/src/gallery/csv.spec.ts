import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from './csv.js';

describe('csv', () => {
  it('quotes text and doubles quotes; commas and line breaks stay inside the cell', () => {
    expect(csvCell('a "glass" lighthouse, at dusk\nsecond line')).toBe(
      '"a ""glass"" lighthouse, at dusk\nsecond line"',
    );
    expect(csvCell('')).toBe('""');
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    for (const value of ['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\tcmd', '\r=1']) {
      expect(csvCell(value)).toBe(`"'${value.replaceAll('"', '""')}"`);
    }
    expect(csvCell('a = b')).toBe('"a = b"');
  });

  it('writes numbers as numbers (a negative seed stays negative) and null as an empty cell', () => {
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell(512)).toBe('512');
    expect(csvCell(null)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
  });

  it('ends a row with CRLF', () => {
    expect(csvRow([1, 'x', null])).toBe('1,"x",\r\n');
  });
});
