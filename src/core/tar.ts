/**
 * A streaming reader for one file in a tar archive (POSIX ustar, with PAX `path` records and GNU long
 * names; tar(5)): chunks go in as they arrive, and the scanner keeps only the header it is reading and
 * the wanted file's bytes. Everything else is counted past, never held, so memory stays bounded
 * whatever the archive's size. Pure: the caller feeds it.
 */
const BLOCK = 512;

interface TarScanOptions {
  /** Whether this entry (its path without a leading `./` or `/`) is the one wanted. */
  wanted: (path: string) => boolean;
  /** Largest wanted file accepted. */
  maxBytes: number;
}

export type TarScanResult =
  | { state: 'more' }
  | { state: 'found'; path: string; data: Buffer }
  | { state: 'end' }
  | { state: 'error'; reason: string };

type Phase =
  | { kind: 'header' }
  | { kind: 'skip'; left: number }
  | {
      kind: 'keep';
      left: number;
      pad: number;
      for: 'file' | 'pax' | 'gnu';
      path: string;
    };

function octal(field: Buffer): number {
  // GNU base-256 for sizes over 8 GiB: the first byte's high bit set.
  if (field[0]! & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/** PAX extended header records (`LEN key=value\n`): the path, if one is set. */
function paxPath(data: Buffer): string | undefined {
  let at = 0;
  let path: string | undefined;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    at += length;
  }
  return path;
}

const normalize = (path: string) => path.replace(/^(?:\.\/|\/)+/, '');
const padOf = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

export class TarScanner {
  private pending: Buffer = Buffer.alloc(0);
  private phase: Phase = { kind: 'header' };
  private chunks: Buffer[] = [];
  /** A name set by a PAX or GNU header before the entry it names. */
  private nextPath: string | undefined;
  private zeroBlocks = 0;

  constructor(private readonly options: TarScanOptions) {}

  /** Feeds the next chunk; `found`, `end` and `error` are final. */
  push(chunk: Buffer): TarScanResult {
    this.pending =
      this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const step = this.step();
      if (step !== null) return step;
    }
  }

  /** One step over the pending bytes: a result, or null to go on. */
  private step(): TarScanResult | null {
    const phase = this.phase;
    if (phase.kind === 'skip') {
      const n = Math.min(phase.left, this.pending.length);
      this.pending = this.pending.subarray(n);
      phase.left -= n;
      if (phase.left > 0) return { state: 'more' };
      this.phase = { kind: 'header' };
      return null;
    }
    if (phase.kind === 'keep') return this.keep(phase);
    if (this.pending.length < BLOCK) return { state: 'more' };
    const header = this.pending.subarray(0, BLOCK);
    this.pending = this.pending.subarray(BLOCK);
    return this.header(header);
  }

  private keep(phase: Extract<Phase, { kind: 'keep' }>): TarScanResult | null {
    const n = Math.min(phase.left, this.pending.length);
    this.chunks.push(this.pending.subarray(0, n));
    this.pending = this.pending.subarray(n);
    phase.left -= n;
    if (phase.left > 0) return { state: 'more' };
    const data = Buffer.concat(this.chunks);
    this.chunks = [];
    if (phase.for === 'file') return { state: 'found', path: phase.path, data };
    this.nextPath =
      phase.for === 'pax' ? paxPath(data) : cString(data) || undefined;
    this.phase = { kind: 'skip', left: phase.pad };
    return null;
  }

  private header(header: Buffer): TarScanResult | null {
    if (header.every((b) => b === 0)) {
      // Two zero blocks end the archive; one is tolerated.
      return ++this.zeroBlocks >= 2 ? { state: 'end' } : null;
    }
    this.zeroBlocks = 0;
    const checksum = octal(header.subarray(148, 156));
    let sum = 0;
    for (let i = 0; i < BLOCK; i++)
      sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    if (checksum !== sum)
      return {
        state: 'error',
        reason: 'not a tar archive (bad header checksum)',
      };
    const size = octal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156]!);
    const prefix = header
      .subarray(257, 263)
      .toString('latin1')
      .startsWith('ustar')
      ? cString(header.subarray(345, 500))
      : '';
    const name = cString(header.subarray(0, 100));
    const path = normalize(
      this.nextPath ?? (prefix ? `${prefix}/${name}` : name),
    );
    const meta = type === 'x' ? 'pax' : type === 'L' ? 'gnu' : null;
    if (meta) {
      if (size > 1024 * 1024)
        return { state: 'error', reason: `a ${size}-byte tar extended header` };
      this.phase = {
        kind: 'keep',
        left: size,
        pad: padOf(size),
        for: meta,
        path,
      };
      return null;
    }
    this.nextPath = undefined;
    const isFile = type === '0' || type === '\0' || type === '7';
    if (isFile && this.options.wanted(path)) {
      if (size > this.options.maxBytes)
        return {
          state: 'error',
          reason: `${path} is ${size} bytes, more than the ${this.options.maxBytes} qci reads`,
        };
      this.phase = { kind: 'keep', left: size, pad: 0, for: 'file', path };
      return size === 0 ? this.keep(this.phase) : null;
    }
    // Hard links, directories and the like have no data; a global PAX header ('g') is skipped.
    const data = isFile || type === 'g' || type === 'K' ? size : 0;
    this.phase = { kind: 'skip', left: data + padOf(data) };
    return null;
  }
}
