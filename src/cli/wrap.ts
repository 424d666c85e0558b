/**
 * Text output fitted to the terminal: lines broken between words, continuations indented under their
 * column. Pure: the width comes from Ui.width.
 */

import { SGR } from '../core/escape.js';

/** `text` without its colour sequences. */
export function plain(text: string): string {
  return text.replace(SGR, '');
}

/** The columns `text` takes on a terminal: colour sequences take none, a code point one. */
export function visibleWidth(text: string): number {
  return [...plain(text)].length;
}

/**
 * `line` in lines of at most `width` columns, broken at spaces: the first keeps its own spacing (an
 * aligned table row), each continuation starts with `hang` spaces. A word longer than the room stays
 * whole on a line of its own (a pull spec or a path is never cut). A line with a line break is
 * wrapped piece by piece.
 */
export function wrapLine(line: string, width: number, hang = 0): string[] {
  if (line.includes('\n'))
    return line.split('\n').flatMap((l) => wrapLine(l, width, hang));
  if (visibleWidth(line) <= width) return [line];
  const lead = /^ */.exec(line)?.[0] ?? '';
  const lines: string[] = [];
  let current = lead;
  let words = 0;
  for (const [, gap = '', word = ''] of line
    .slice(lead.length)
    .matchAll(/( *)([^ ]+)/g)) {
    if (words > 0 && visibleWidth(current + gap + word) > width) {
      lines.push(current);
      current = ' '.repeat(hang) + word;
    } else current += words > 0 ? gap + word : word;
    words++;
  }
  lines.push(current);
  return lines;
}

/** The continuation column of a table whose last column starts at `column`: under itself while it has room. */
export function hangFor(
  column: number,
  width: number,
  fallback: number,
): number {
  return width - column >= MIN_ROOM ? column : fallback;
}

/** The least room a column keeps for its words before its continuations move left. */
const MIN_ROOM = 24;
