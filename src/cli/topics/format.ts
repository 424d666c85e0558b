/**
 * A guide as `qci help TOPIC` prints it: --help's layout (Usage, a description, headed sections), 80
 * columns, paragraphs wrapped between words, indented lines (tables, commands) kept as written.
 */
import { HELP_WIDTH, wrapWords } from '../context.js';

export interface Topic {
  name: string;
  /** One line for the list in `qci help`. */
  summary: string;
  /** The guide: paragraphs split by blank lines; a line ending in ":" heads a section. */
  body(): string;
}

export function renderTopic(topic: Topic): string {
  const blocks = topic
    .body()
    .trim()
    .split(/\n\s*\n/)
    .map(renderBlock);
  return `Usage: qci help ${topic.name}\n\n${blocks.join('\n\n')}\n`;
}

function renderBlock(block: string): string {
  const out: string[] = [];
  const rows: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0)
      out.push(...wrapWords(paragraph.join(' '), HELP_WIDTH));
    for (const row of rows.splice(0)) out.push(...hanging(row));
    paragraph = [];
  };
  for (const line of block.split('\n')) {
    const last = rows[rows.length - 1];
    const indent = /^\s*/.exec(line)![0].length;
    const lead = last === undefined ? '' : termLead(last);
    if (lead.trim() !== '' && indent === lead.length)
      rows[rows.length - 1] = `${last} ${line.trim()}`; // the row's text, continued
    else if (indent > 0) {
      if (rows.length === 0) flush();
      rows.push(line);
    } else if (line.endsWith(':') && paragraph.length === 0) {
      flush();
      out.push(line);
    } else {
      if (rows.length > 0) flush();
      paragraph.push(line);
    }
  }
  flush();
  return out.join('\n');
}

/** "  term   " of a row "  term   text" (a longer row continues under its text); else its indentation. */
function termLead(row: string): string {
  return /^\s+(?:\S+ )*?\S+ {2,}/.exec(row)?.[0] ?? /^\s*/.exec(row)![0];
}

/** An indented line as written; when too long, wrapped under its text ("  term   text" under text). */
function hanging(line: string): string[] {
  if ([...line].length <= HELP_WIDTH) return [line];
  const lead = termLead(line);
  const pad = ' '.repeat(lead.length);
  return wrapWords(line.slice(lead.length), HELP_WIDTH - lead.length).map(
    (l, i) => `${i === 0 ? lead : pad}${l}`,
  );
}
