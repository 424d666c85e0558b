import { hangFor, visibleWidth, wrapLine } from './wrap.js';

/**
 * Aligned plain-text tables (kubectl/oc style): upper-case headers, two spaces between columns. Rows
 * fit `width`: the last column wraps under itself, or, when it would have too little room there, a
 * row that does not fit has its last cell on lines of their own under the second column.
 */
export function renderTable(
  headers: string[],
  rows: string[][],
  bold: (s: string) => string = (s) => s,
  width = Number.POSITIVE_INFINITY,
): string[] {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const last = widths.slice(0, -1).reduce((column, w) => column + w + 2, 0);
  const hang = hangFor(last, width, (widths[0] ?? 0) + 2);
  // With too little room, a row's last cell starts on a line of its own, under the second column.
  const fit = (r: string[]) =>
    hang === last || visibleWidth(line(r)) <= width
      ? wrapLine(line(r), width, hang)
      : [
          line(r.slice(0, -1)),
          ...wrapLine(`${' '.repeat(hang)}${r.at(-1) ?? ''}`, width, hang),
        ];
  return [
    bold(line(headers.map((h) => h.toUpperCase()))),
    ...rows.flatMap(fit),
  ];
}
