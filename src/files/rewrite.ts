/**
 * qci rewrite's work: walk the trees, screen every file for a CI registry name, list each reference's QCI
 * pull spec (or why it needs review), and with mode "write" replace files atomically. Nothing is printed
 * here; warnings go to `warn`, the command renders the result.
 */
import { formatBytes } from '../core/bytes.js';
import { ExitCode } from '../core/errors.js';
import { QCI_PROXY_HOST } from '../core/reference.js';
import type { RegistryReference } from '../core/rewrite.js';
import type { Skipped, WalkResult } from './walk.js';

export const DEFAULT_MAX_SIZE = 10 * 1024 * 1024;

export interface Change {
  file: string;
  line: number;
  column: number;
  old: string;
  new: string;
}

export interface Review {
  file: string;
  line: number;
  column: number;
  reference: string;
  reason: string;
  suggestion: string | null;
}

/** One finding as a line of output, in file and line order. */
export interface Listed {
  change?: Change;
  review?: Review;
}

export interface RewriteResult {
  mode: 'list' | 'check' | 'write';
  changes: Change[];
  needsReview: Review[];
  /** Files written (--write) or that would be (otherwise). */
  files: string[];
  skipped: Skipped[];
  errors: { file: string; message: string }[];
  summary: {
    scanned: number;
    changes: number;
    files: number;
    needsReview: number;
    skipped: number;
    /** Files of test data that name a CI registry, skipped without --include-tests. */
    testData: number;
    errors: number;
    written: number;
  };
}

export interface RewriteRun {
  result: RewriteResult;
  /** Every finding in file and line order, as the command lists them. */
  listed: Listed[];
  writtenReferences: number;
}

export interface RewriteOptions {
  mode: RewriteResult['mode'];
  maxBytes: number;
  gitignore: boolean;
  /** Also rewrite test data (Go tests, testdata/, fixtures/, golden files). */
  includeTests?: boolean;
  env: Record<string, string | undefined>;
  verbose: (line: string) => void;
  warn: (line: string) => void;
}

export async function runRewrite(
  roots: string[],
  options: RewriteOptions,
): Promise<RewriteRun> {
  const tools = await loadTools();
  const found = await tools.walk(roots, {
    gitignore: options.gitignore,
    env: options.env,
    verbose: options.verbose,
    warn: options.warn,
  });
  const result = emptyResult(options.mode, found);
  const candidates = await screenForRegistries(
    tools,
    [...found.files].sort(),
    result,
    options,
  );
  const reader = new tools.FileReader(options.maxBytes);
  const pass: Pass = {
    tools,
    options,
    result,
    reader,
    asValues: asValuesOf(tools, reader, candidates),
    listed: [],
    writtenReferences: 0,
  };
  for (const file of candidates) rewriteFile(pass, file);

  Object.assign(result.summary, {
    changes: result.changes.length,
    files: result.files.length,
    needsReview: result.needsReview.length,
    skipped: result.skipped.length,
    errors: result.errors.length,
  });
  return {
    result,
    listed: pass.listed,
    writtenReferences: pass.writtenReferences,
  };
}

type Tools = Awaited<ReturnType<typeof loadTools>>;

/** The modules of the work, loaded here, not at start-up: qci's other commands never need them. */
async function loadTools() {
  return {
    ...(await import('./walk.js')),
    ...(await import('../core/rewrite.js')),
    ...(await import('./scan.js')),
    availableParallelism: (await import('node:os')).availableParallelism,
  };
}

/** The state of one run over the candidate files. */
interface Pass {
  tools: Tools;
  options: RewriteOptions;
  result: RewriteResult;
  reader: InstanceType<Tools['FileReader']>;
  /** The `as:` values anywhere in the tree, which FROM lines must stay in step with. */
  asValues: Set<string>;
  listed: Listed[];
  writtenReferences: number;
}

function emptyResult(
  mode: RewriteResult['mode'],
  found: WalkResult,
): RewriteResult {
  return {
    mode,
    changes: [],
    needsReview: [],
    files: [],
    skipped: found.skipped,
    errors: found.errors.map((e) => ({ file: e.path, message: e.message })),
    summary: {
      scanned: 0,
      changes: 0,
      files: 0,
      needsReview: 0,
      skipped: 0,
      testData: 0,
      errors: 0,
      written: 0,
    },
  };
}

/**
 * The files that mention a CI registry at all, found by one pass over every byte on all cores; the
 * others are counted as scanned, or recorded as skipped (too large, test data) or unreadable.
 */
async function screenForRegistries(
  tools: Tools,
  files: string[],
  result: RewriteResult,
  options: RewriteOptions,
): Promise<string[]> {
  const { maxBytes } = options;
  const screened = (
    await tools.screenInParallel(
      files,
      maxBytes,
      tools.REGISTRY_MARKER,
      tools.availableParallelism(),
    )
  ).sort((a, b) => a[0] - b[0]);
  result.summary.scanned = files.length;
  const candidates: string[] = [];
  for (const [index, outcome, code] of screened) {
    const file = files[index]!;
    if (outcome === tools.MENTIONS) {
      if (!options.includeTests && tools.isTestData(file)) {
        result.summary.testData++;
        result.skipped.push({
          path: file,
          reason: 'test data (--include-tests to rewrite it)',
        });
      } else candidates.push(file);
    } else {
      result.summary.scanned--;
      if (outcome === tools.TOO_LARGE)
        result.skipped.push({
          path: file,
          reason: `larger than ${formatBytes(maxBytes)} (--max-size)`,
        });
      else
        result.errors.push({
          file,
          message: `cannot read it: ${tools.errnoText(Object.assign(new Error(code), { code }))}`,
        });
    }
  }
  return candidates;
}

/** First pass: the `as:` values anywhere in the tree, which FROM lines must stay in step with. */
function asValuesOf(
  tools: Tools,
  reader: Pass['reader'],
  candidates: string[],
): Set<string> {
  const asValues = new Set<string>();
  for (const file of candidates) {
    const read = reader.read(file);
    if (read.kind === 'ok' && read.bytes.indexOf(0) < 0)
      for (const value of tools.asValuesIn(read.bytes.toString('latin1')))
        asValues.add(value);
  }
  return asValues;
}

/** Lists one candidate's references and, with mode "write", replaces the file. */
function rewriteFile(pass: Pass, file: string): void {
  const { tools, options, result } = pass;
  const bytes = readText(pass, file);
  if (bytes === null) return;
  const text = bytes.toString('latin1');
  // Written files get the canonical host whatever QCI_REGISTRY says: they are shared with other people.
  const refs = tools.findRegistryReferences(text, QCI_PROXY_HOST, {
    path: file,
    asValues: pass.asValues,
  });
  if (!options.includeTests && tools.isMappingTable(text, refs, file)) {
    result.summary.testData++;
    result.skipped.push({
      path: file,
      reason:
        'test data: every reference is paired with its own QCI form in the file (--include-tests to rewrite it)',
    });
    return;
  }
  if (!listFindings(pass, file, refs)) return;
  result.files.push(file);
  if (options.mode === 'write') writeFile(pass, file, bytes, text, refs);
}

/** The file's bytes when it is a readable text file; otherwise it is recorded as an error or a skip. */
function readText(pass: Pass, file: string): Buffer | null {
  const { result } = pass;
  const read = pass.reader.read(file);
  if (read.kind === 'error') {
    result.errors.push({ file, message: read.message });
    return null;
  }
  if (read.kind === 'too-large') {
    result.skipped.push({
      path: file,
      reason: `larger than ${formatBytes(pass.options.maxBytes)} (--max-size)`,
    });
    return null;
  }
  const bytes = read.bytes;
  if (bytes.indexOf(0) >= 0) {
    // Only worth a warning when it names one of the registries (not, say, prow.ci.openshift.org).
    const names =
      bytes.indexOf('registry.ci.openshift.org') >= 0 ||
      bytes.indexOf('registry.svc.ci.openshift.org') >= 0;
    result.skipped.push({
      path: file,
      reason: names
        ? 'binary file (it has NUL bytes) that names a CI registry; not changed'
        : 'binary file',
    });
    return null;
  }
  return bytes;
}

/** Records each reference as a change or a review; true when the file has something to change. */
function listFindings(
  pass: Pass,
  file: string,
  refs: RegistryReference[],
): boolean {
  let changed = false;
  for (const ref of refs) {
    if (ref.replacement === null) {
      const review = {
        file,
        line: ref.line,
        column: ref.column,
        reference: shown(ref.reference),
        reason: shown(ref.reason ?? ''),
        suggestion: ref.suggestion && shown(ref.suggestion),
      };
      pass.result.needsReview.push(review);
      pass.listed.push({ review });
    } else {
      changed = true;
      const change = {
        file,
        line: ref.line,
        column: ref.column,
        old: shown(ref.reference),
        new: shown(ref.replacement),
      };
      pass.result.changes.push(change);
      pass.listed.push({ change });
    }
  }
  return changed;
}

/**
 * A reference as the user wrote it: the scan reads a file as latin1 (one character per byte, so that a
 * rewrite gives back every other byte), so a `…` in a UTF-8 file would print as `â\x80¦`.
 */
const shown = (text: string): string =>
  /[\x80-\xff]/.test(text)
    ? Buffer.from(text, 'latin1').toString('utf8')
    : text;

function writeFile(
  pass: Pass,
  file: string,
  bytes: Buffer,
  text: string,
  refs: RegistryReference[],
): void {
  const { tools, result } = pass;
  const original = Buffer.from(bytes); // the reader's buffer is reused by the next read
  const outcome = tools.replaceFile(
    file,
    original,
    Buffer.from(tools.applyRewrites(text, refs), 'latin1'),
    process.pid,
  );
  if (outcome.error) result.errors.push({ file, message: outcome.error });
  else {
    result.summary.written++;
    pass.writtenReferences += refs.filter(
      (ref) => ref.replacement !== null,
    ).length;
  }
  if (outcome.warning) pass.options.warn(`${file}: ${outcome.warning}`);
}

/** The exit code: 1 for unreadable or unwritable files, and for --check with something to rewrite. */
export function rewriteExitCode(run: RewriteRun): number {
  if (run.result.errors.length > 0) return ExitCode.failure;
  if (run.result.mode === 'check' && run.result.changes.length > 0)
    return ExitCode.failure;
  return ExitCode.ok;
}
