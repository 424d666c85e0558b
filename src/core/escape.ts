/**
 * Text from a server, a file or a file name, made safe for a terminal: control characters (C0 but
 * tab, DEL, C1), the bidirectional overrides that reorder what is shown and the invisible ones
 * (zero-width spaces and joiners, line separators, a stray byte-order mark) become visible escapes,
 * so an image label cannot send escape sequences and a file name cannot fake an output line.
 * Human output only: --json prints the data exactly.
 */
const UNSAFE =
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const UNSAFE_BUT_NEWLINE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const NAMED: Record<string, string> = {
  '\n': '\\n',
  '\r': '\\r',
  '\u001b': '\\e',
};

function visible(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Every control character but tab escaped (`\n`, `\e`, `\x07`, `\u202e`). */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** The same for a message of several lines: its line breaks stay. */
export function escapeControlKeepLines(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, visible);
}

/** Any colour (SGR) sequence: wrap.ts measures text without them. */
export const SGR = /\u001b\[[0-9;]*m/g;
/**
 * The colour sequences qci's own output uses (chalk's bold, dim, red, green, yellow, blue and their
 * resets): not conceal (8), blink, or anything that hides or moves text.
 */
const OWN_SGR = /^\u001b\[(?:0|1|2|22|3[0-7]|39|9[0-7])m$/;

/**
 * For a line qci colours itself, with names from files and servers in it: qci's own colour sequences
 * kept, every other control character escaped (an OSC 52 clipboard write, a cursor move, a colour
 * sequence that conceals the rest of a line).
 */
export function escapeControlKeepColours(text: string): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(SGR)) {
    out += escapeControlKeepLines(text.slice(at, m.index));
    out += OWN_SGR.test(m[0]) ? m[0] : escapeControlKeepLines(m[0]);
    at = m.index + m[0].length;
  }
  return out + escapeControlKeepLines(text.slice(at));
}
