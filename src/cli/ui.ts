/**
 * Everything qci prints goes through here: data to stdout, messages to stderr, with colour decided
 * once (NO_COLOR, FORCE_COLOR, TTY) and secrets redacted on the way out.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { redact } from '../core/redact.js';
import {
  escapeControlKeepColours,
  escapeControlKeepLines,
} from '../core/escape.js';

export interface Stream {
  /** Text, or an engine's output as it came (bytes: a character may be split across chunks). */
  write(text: string | Uint8Array): unknown;
  isTTY?: boolean;
  /** A terminal's width (process.stdout has it). */
  columns?: number;
}

export interface Io {
  stdout: Stream;
  stderr: Stream;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
}

/** chalk's own detection ignores NO_COLOR (https://no-color.org); this honours both conventions. */
export function colorLevel(
  env: Record<string, string | undefined>,
  isTTY: boolean,
): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '' || force === 'true') return 1;
    if (force === 'false' || force === '0') return 0;
    const n = Number.parseInt(force, 10);
    if (Number.isFinite(n)) return Math.max(0, Math.min(3, n)) as 0 | 1 | 2 | 3;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!isTTY || env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' ? 3 : 2;
}

function terminalWidth(): number | undefined {
  const columns = process.stdout.columns;
  return columns > 0 ? columns : undefined;
}

export class Ui {
  readonly verboseEnabled: boolean;
  #out: ChalkInstance | undefined;
  #err: ChalkInstance | undefined;

  constructor(
    readonly io: Io,
    options: { verbose?: boolean } = {},
  ) {
    this.verboseEnabled = options.verbose === true;
  }

  /** Colours for stdout and stderr; each stream decides for itself (one may be a pipe). Decided on first use:
   * asking whether a stream is a terminal loads Node's tty machinery, which plain output never needs. */
  get out(): ChalkInstance {
    return (this.#out ??= new Chalk({
      level: colorLevel(this.io.env, this.io.stdout.isTTY === true),
    }));
  }

  get err(): ChalkInstance {
    return (this.#err ??= new Chalk({
      level: colorLevel(this.io.env, this.io.stderr.isTTY === true),
    }));
  }

  /**
   * The columns text on stdout is wrapped to: COLUMNS when set (as git's term_columns() and Python's
   * shutil.get_terminal_size() read it), else the terminal's width, else 80.
   */
  get width(): number {
    const columns = this.columns;
    if (columns !== undefined) return columns;
    const stdout = this.io.stdout;
    // qci writes to fd 1 directly (raw-output.ts); process.stdout, made on first use, knows its size.
    if (stdout.isTTY === true) return stdout.columns ?? terminalWidth() ?? 80;
    return 80;
  }

  /**
   * The columns a table on stdout is fitted to: as `width` on a terminal or with COLUMNS; piped, no
   * limit, so that every row stays one line for grep and awk (as kubectl and oc print theirs).
   */
  get tableWidth(): number {
    return this.columns !== undefined || this.io.stdout.isTTY === true
      ? this.width
      : Number.POSITIVE_INFINITY;
  }

  /** COLUMNS, when it is set to a width. */
  private get columns(): number | undefined {
    const columns = Number(this.io.env.COLUMNS);
    return Number.isInteger(columns) && columns > 0 ? columns : undefined;
  }

  /** One line of data on stdout: no control character from a name in it goes out raw (--json is exact). */
  print(line: string): void {
    this.io.stdout.write(`${escapeControlKeepColours(redact(line))}\n`);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${redact(JSON.stringify(value, null, 2))}\n`);
  }

  // Messages carry file, context and helper names: only qci's own colours reach the terminal.
  info(message: string): void {
    this.io.stderr.write(`${escapeControlKeepColours(redact(message))}\n`);
  }

  // Warnings and errors carry file names and servers' words: no escape sequence reaches the terminal.
  warn(message: string): void {
    this.io.stderr.write(
      `${this.err.yellow('warning:')} ${escapeControlKeepLines(redact(message))}\n`,
    );
  }

  error(message: string, hint?: string): void {
    this.io.stderr.write(
      `${this.err.red('error:')} ${escapeControlKeepLines(redact(message))}\n`,
    );
    if (hint)
      this.io.stderr.write(
        `${this.err.dim('  hint:')} ${escapeControlKeepLines(redact(hint))}\n`,
      );
  }

  /** --verbose only: each external command qci runs, already redacted by the caller and again here. */
  verbose(message: string): void {
    if (this.verboseEnabled)
      this.io.stderr.write(
        `${this.err.dim(`+ ${escapeControlKeepColours(redact(message))}`)}\n`,
      );
  }
}
