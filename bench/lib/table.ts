export type Cell = string | number;

/**
 * Prints a plain-text table: the first column left-aligned, the others right-aligned (they hold figures).
 * Notes are printed under it, one per line.
 */
export function printTable(title: string, headers: string[], rows: Cell[][], notes: string[] = []): void {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const out = [
    '',
    title,
    rule,
    line(cells[0]),
    rule,
    ...cells.slice(1).map(line),
    rule,
    ...notes.map((note) => `  ${note}`),
  ];
  console.log(out.join('\n'));
}
