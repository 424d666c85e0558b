/** Aligned plain-text tables (kubectl/oc style): upper-case headers, two spaces between columns. */
export function renderTable(
  headers: string[],
  rows: string[][],
  bold: (s: string) => string = (s) => s,
): string[] {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [bold(line(headers.map((h) => h.toUpperCase()))), ...rows.map(line)];
}
