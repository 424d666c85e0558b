/**
 * The streaming scanner that finds the namespace line in a log of any size without holding more than
 * one line, and the errors for what it found instead (binary, gzip, empty, no line).
 */
import { formatBytes } from './bytes.js';
import { QciError } from './errors.js';
import { CI_OPERATOR_LOG, LOG_FILE } from './joblog-source.js';
import {
  MARKER,
  judgeNamespaceLine,
  type NamespaceLine,
  type RejectedLine,
} from './joblog-line.js';

/** Longer lines are not ci-operator's: the scanner keeps only this much of a line that spans chunks. */
export const MAX_LINE_BYTES = 64 * 1024;
/** How much of the start of a log is checked for NUL bytes, as git and grep do to call a file binary. */
const BINARY_PROBE_BYTES = 8000;

/** Finds `needle` in `haystack` from `from`; Node's Buffer#indexOf is the fast one, injected by the reader. */
export type BytesIndexOf = (
  haystack: Uint8Array,
  needle: Uint8Array,
  from: number,
) => number;

/** A plain implementation, for environments without Buffer (and to test the scanner against). */
export const plainIndexOf: BytesIndexOf = (haystack, needle, from) => {
  const first = needle[0];
  if (first === undefined) return from;
  for (
    let i = haystack.indexOf(first, from);
    i !== -1 && i + needle.length <= haystack.length;
    i = haystack.indexOf(first, i + 1)
  ) {
    let k = 1;
    while (k < needle.length && haystack[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
};

const MARKER_BYTES = new TextEncoder().encode(MARKER);
/**
 * What the scanner searches for: a short, distinctive prefix of the marker. V8's Buffer#indexOf finds a
 * 7-byte needle several times faster than the whole 15-byte marker (measured on Node 20.20; bench/job-image.mjs); the rest is
 * compared by hand at each hit.
 */
const NEEDLE = MARKER_BYTES.subarray(0, 'Using n'.length);

/** Does the whole marker start at `at`? True when the chunk ends first (the line is carried and checked). */
function markerAt(chunk: Uint8Array, at: number): boolean {
  const n = Math.min(MARKER_BYTES.length, chunk.length - at);
  for (let k = NEEDLE.length; k < n; k++)
    if (chunk[at + k] !== MARKER_BYTES[k]) return false;
  return true;
}
const NEWLINE = 0x0a;

type ContentProblem = 'binary' | 'gzip' | null;

/**
 * Finds the first namespace line in a byte stream fed in chunks of any size, without holding more than
 * one line: a line that spans chunks is carried (up to MAX_LINE_BYTES), everything else is looked at in
 * place. Also notices what is not a log: NUL bytes or a gzip header at the start, or nothing but blanks.
 */
export class NamespaceScanner {
  /** Bytes fed so far. */
  bytes = 0;
  problem: ContentProblem = null;
  /** True once a byte other than blanks and line ends has been seen. */
  sawText = false;
  private carry: Uint8Array | null = null;
  private carryLength = 0;
  private found: NamespaceLine | null = null;
  /** The first line with the marker whose namespace is not valid (a doc placeholder, say). */
  rejected: RejectedLine | null = null;
  private readonly decoder = new TextDecoder();

  constructor(private readonly indexOf: BytesIndexOf = plainIndexOf) {}

  /** Feeds the next chunk; returns the line once found (later chunks are ignored). */
  push(chunk: Uint8Array): NamespaceLine | null {
    if (this.found || this.problem) return this.found;
    if (this.bytes < BINARY_PROBE_BYTES) this.probe(chunk);
    this.bytes += chunk.length;
    if (this.problem) return null;
    if (!this.sawText)
      this.sawText = chunk.some(
        (b) => b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== NEWLINE,
      );

    let pos = 0;
    if (this.carryLength > 0) {
      // The line that started in an earlier chunk: complete it, check it.
      const nl = chunk.indexOf(NEWLINE);
      this.append(nl === -1 ? chunk : chunk.subarray(0, nl));
      if (nl === -1) return null;
      const line = this.checkCarry();
      if (line) return (this.found = line);
      pos = nl + 1;
    }
    // From `pos` on, the chunk starts at a line start.
    let from = pos;
    for (;;) {
      const at = this.indexOf(chunk, NEEDLE, from);
      if (at === -1) break;
      if (!markerAt(chunk, at)) {
        from = at + 1;
        continue;
      }
      const start = Math.max(pos, chunk.lastIndexOf(NEWLINE, at) + 1);
      const end = chunk.indexOf(NEWLINE, at + MARKER_BYTES.length);
      if (end === -1) {
        this.keep(chunk.subarray(start));
        return null;
      }
      const line = this.judge(chunk.subarray(start, end));
      if (line) return (this.found = line);
      from = end + 1;
    }
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    const tail = Math.max(pos, lastNewline + 1);
    if (tail < chunk.length) this.keep(chunk.subarray(tail));
    return null;
  }

  /** End of input: the last line may have had no newline. */
  end(): NamespaceLine | null {
    if (this.found || this.problem) return this.found;
    if (this.carryLength > 0) this.found = this.checkCarry();
    return this.found;
  }

  private probe(chunk: Uint8Array): void {
    if (
      this.bytes === 0 &&
      chunk.length >= 2 &&
      chunk[0] === 0x1f &&
      chunk[1] === 0x8b
    ) {
      this.problem = 'gzip';
      return;
    }
    const probe = chunk.subarray(0, BINARY_PROBE_BYTES - this.bytes);
    if (probe.indexOf(0) !== -1) this.problem = 'binary';
  }

  private checkCarry(): NamespaceLine | null {
    const bytes = this.carry!.subarray(0, this.carryLength);
    this.carryLength = 0;
    if (this.indexOf(bytes, MARKER_BYTES, 0) === -1) return null;
    return this.judge(bytes);
  }

  private judge(bytes: Uint8Array): NamespaceLine | null {
    const verdict = judgeNamespaceLine(this.decoder.decode(bytes));
    if (verdict === null) return null;
    if ('found' in verdict) return verdict.found;
    this.rejected ??= verdict.rejected;
    return null;
  }

  /** Starts the carried line with a copy of `bytes` (chunks may be reused by the reader). */
  private keep(bytes: Uint8Array): void {
    this.carryLength = 0;
    this.append(bytes);
  }

  private append(bytes: Uint8Array): void {
    this.carry ??= new Uint8Array(MAX_LINE_BYTES);
    const n = Math.min(bytes.length, MAX_LINE_BYTES - this.carryLength);
    this.carry.set(bytes.subarray(0, n), this.carryLength);
    // A line longer than the cap keeps its first MAX_LINE_BYTES (and stays "open" until its newline).
    this.carryLength += n;
  }
}
// ---------------------------------------------------------------------------------------------------
// Problems with what was read (the reader names the source)

export function contentError(
  where: string,
  problem: Exclude<ContentProblem, null>,
): QciError {
  if (problem === 'gzip') {
    return new QciError(`${where} is gzip-compressed, not a job log`, {
      kind: 'binary-log',
      hint: `decompress it first: gzip -dc FILE | qci job-image -`,
    });
  }
  return new QciError(`${where} is a binary file, not a job log`, {
    kind: 'binary-log',
    hint: `pass the job's ${LOG_FILE} (a text file) or its Prow URL`,
  });
}

export function emptyLogError(where: string): QciError {
  return new QciError(`${where} is empty: there is no log to search`, {
    kind: 'empty-log',
    hint: `pass the job's ${LOG_FILE} or its Prow URL; a job that has just started may not have written it yet`,
  });
}

export function noNamespaceLineError(
  where: string,
  bytes: number,
  rejected: RejectedLine | null = null,
): QciError {
  if (rejected) {
    const shown =
      rejected.line.length > 300
        ? `${rejected.line.slice(0, 300)}…`
        : rejected.line;
    return new QciError(
      `found a "${MARKER}" line in ${where}, but its namespace is not valid: ${rejected.problem}\n  the line: ${shown}`,
      {
        kind: 'bad-namespace-line',
        hint: `pass the log of a real job (its ${LOG_FILE} or artifacts/${CI_OPERATOR_LOG}), or name the namespace's cluster and namespace yourself`,
      },
    );
  }
  return new QciError(
    `no "${MARKER}" line in ${where}: searched all ${formatBytes(bytes)}`,
    {
      kind: 'no-namespace-line',
      hint: `ci-operator prints "${MARKER} …" when a job starts; pass the job's top-level ${LOG_FILE} or artifacts/${CI_OPERATOR_LOG} (not a step's log), or a job that ran ci-operator`,
    },
  );
}
