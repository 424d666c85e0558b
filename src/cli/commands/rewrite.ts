import type { Command } from 'commander';
import { ExitCode, usageError } from '../../core/errors.js';
import { parseSize } from '../../core/settings.js';
import { QCI_PROXY_HOST } from '../../core/reference.js';
import { examples, type CommandContext, type Wrap } from '../context.js';
import type { Skipped } from '../walk.js';

export const DEFAULT_MAX_SIZE = 10 * 1024 * 1024;

interface RewriteOptions {
  write?: boolean;
  check?: boolean;
  gitignore?: boolean;
  maxSize?: string;
}

interface Change {
  file: string;
  line: number;
  column: number;
  old: string;
  new: string;
}

interface Review {
  file: string;
  line: number;
  column: number;
  reference: string;
  reason: string;
  suggestion: string | null;
}

/** One finding as a line of output, in file and line order. */
interface Listed {
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
  summary: { scanned: number; changes: number; files: number; needsReview: number; skipped: number; errors: number; written: number };
}

/** --max-size: the same sizes as every qci size setting ("10M", "512K", "1.5G", a number of bytes). */
function maxSize(text: string): number {
  const bytes = parseSize(text);
  if (bytes === undefined || bytes <= 0 || !Number.isSafeInteger(bytes)) throw usageError(`--max-size ${text}: expected a size such as 10M, 512K or 1048576`);
  return bytes;
}

function formatSize(bytes: number): string {
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

export async function rewriteAction(ctx: CommandContext, paths: string[], options: RewriteOptions): Promise<number> {
  if (options.write && options.check) throw usageError('--write and --check do not go together: --check only reports, --write changes files');
  const maxBytes = options.maxSize === undefined ? DEFAULT_MAX_SIZE : maxSize(options.maxSize);
  const mode: RewriteResult['mode'] = options.write ? 'write' : options.check ? 'check' : 'list';
  const roots = paths.length > 0 ? paths : ['.'];

  // Loaded here, not at start-up: qci's other commands never need them.
  const { walk, errnoText } = await import('../walk.js');
  const { REGISTRY_MARKER, applyRewrites, findRegistryReferences } = await import('../../core/rewrite.js');
  const { FileReader, MENTIONS, TOO_LARGE, replaceFile, screenInParallel } = await import('../files.js');
  const { availableParallelism } = await import('node:os');

  const found = await walk(roots, {
    gitignore: options.gitignore !== false,
    env: ctx.io.env,
    verbose: (line) => ctx.ui.verbose(line),
    warn: (line) => ctx.ui.warn(line),
  });

  const result: RewriteResult = {
    mode,
    changes: [],
    needsReview: [],
    files: [],
    skipped: found.skipped,
    errors: found.errors.map((e) => ({ file: e.path, message: e.message })),
    summary: { scanned: 0, changes: 0, files: 0, needsReview: 0, skipped: 0, errors: 0, written: 0 },
  };

  // One pass over every byte, on all cores, finds the few files that mention a CI registry at all.
  const files = [...found.files].sort();
  const screened = (await screenInParallel(files, maxBytes, REGISTRY_MARKER, availableParallelism())).sort((a, b) => a[0] - b[0]);
  result.summary.scanned = files.length;
  const candidates: string[] = [];
  for (const [index, outcome, code] of screened) {
    const file = files[index]!;
    if (outcome === MENTIONS) candidates.push(file);
    else {
      result.summary.scanned--;
      if (outcome === TOO_LARGE) result.skipped.push({ path: file, reason: `larger than ${formatSize(maxBytes)} (--max-size)` });
      else result.errors.push({ file, message: `cannot read it: ${errnoText(Object.assign(new Error(code), { code }))}` });
    }
  }

  const reader = new FileReader(maxBytes);
  const listed: Listed[] = [];
  let writtenReferences = 0;
  for (const file of candidates) {
    const read = reader.read(file);
    if (read.kind === 'error') {
      result.errors.push({ file, message: read.message });
      continue;
    }
    if (read.kind === 'too-large') {
      result.skipped.push({ path: file, reason: `larger than ${formatSize(maxBytes)} (--max-size)` });
      continue;
    }
    const bytes = read.bytes;
    if (bytes.indexOf(0) >= 0) {
      // Only worth a warning when it names one of the registries (not, say, prow.ci.openshift.org).
      const names = bytes.indexOf('registry.ci.openshift.org') >= 0 || bytes.indexOf('registry.svc.ci.openshift.org') >= 0;
      result.skipped.push({ path: file, reason: names ? 'binary file (it has NUL bytes) that names a CI registry; not changed' : 'binary file' });
      continue;
    }
    const text = bytes.toString('latin1');
    // Written files get the canonical host whatever QCI_REGISTRY says: they are shared with other people.
    const refs = findRegistryReferences(text, QCI_PROXY_HOST);
    let changed = false;
    for (const ref of refs) {
      if (ref.replacement === null) {
        const review = { file, line: ref.line, column: ref.column, reference: ref.reference, reason: ref.reason ?? '', suggestion: ref.suggestion };
        result.needsReview.push(review);
        listed.push({ review });
      } else {
        changed = true;
        const change = { file, line: ref.line, column: ref.column, old: ref.reference, new: ref.replacement };
        result.changes.push(change);
        listed.push({ change });
      }
    }
    if (!changed) continue;
    result.files.push(file);
    if (mode === 'write') {
      const original = Buffer.from(bytes); // the reader's buffer is reused by the next read
      const outcome = replaceFile(file, original, Buffer.from(applyRewrites(text, refs), 'latin1'), process.pid);
      if (outcome.error) result.errors.push({ file, message: outcome.error });
      else {
        result.summary.written++;
        writtenReferences += refs.filter((ref) => ref.replacement !== null).length;
      }
      if (outcome.warning) ctx.ui.warn(`${file}: ${outcome.warning}`);
    }
  }

  Object.assign(result.summary, {
    changes: result.changes.length,
    files: result.files.length,
    needsReview: result.needsReview.length,
    skipped: result.skipped.length,
    errors: result.errors.length,
  });
  render(ctx, result, listed, maxBytes, writtenReferences);

  if (result.errors.length > 0) return ExitCode.failure;
  if (mode === 'check' && result.changes.length > 0) return ExitCode.failure;
  return ExitCode.ok;
}

function render(ctx: CommandContext, result: RewriteResult, listed: Listed[], maxBytes: number, writtenReferences: number): void {
  const { ui } = ctx;
  for (const skip of result.skipped) ui.verbose(`skipped ${skip.path}: ${skip.reason}`);
  if (ctx.json) ui.json(result);
  else {
    for (const { change: c, review: r } of listed) {
      if (c) ui.print(`${c.file}:${c.line}: ${c.old} → ${c.new}`);
      if (r) ui.print(`${r.file}:${r.line}: needs review: ${r.reference}: ${r.reason}${r.suggestion ? ` (probably ${r.suggestion})` : ''}`);
    }
  }
  for (const e of result.errors) ui.error(`${e.file}: ${e.message}`);
  const binaries = result.skipped.filter((s) => s.reason.startsWith('binary file (it'));
  for (const b of binaries) ui.warn(`${b.path}: ${b.reason}`);
  const large = result.skipped.filter((s) => s.reason.startsWith('larger'));
  if (large.length > 0) {
    ui.warn(`${large.length} file${large.length === 1 ? '' : 's'} over ${formatSize(maxBytes)} not scanned (raise --max-size to include them): ${large.slice(0, 3).map((s) => s.path).join(', ')}${large.length > 3 ? ', …' : ''}`);
  }

  const s = result.summary;
  const refs = `${s.changes} reference${s.changes === 1 ? '' : 's'} in ${s.files} file${s.files === 1 ? '' : 's'}`;
  const review = s.needsReview > 0 ? `; ${s.needsReview} need${s.needsReview === 1 ? 's' : ''} review (not changed)` : '';
  const scanned = `${s.scanned} file${s.scanned === 1 ? '' : 's'} scanned`;
  if (result.mode === 'write') {
    ui.info(s.changes === 0 ? `nothing to rewrite (${scanned})${review}` : `rewrote ${writtenReferences} reference${writtenReferences === 1 ? '' : 's'} in ${s.written} file${s.written === 1 ? '' : 's'} (${scanned})${review}`);
  } else if (s.changes === 0) {
    ui.info(`nothing to rewrite (${scanned})${review}`);
  } else {
    ui.info(`${refs} would be rewritten (${scanned})${review}; run qci rewrite --write to change them`);
  }
}

export function registerRewrite(program: Command, wrap: Wrap): void {
  program
    .command('rewrite')
    .summary('move registry.ci.openshift.org and registry.svc.ci.openshift.org references to QCI')
    .description(
      [
        'Find image references to registry.svc.ci.openshift.org (decommissioned) and',
        "registry.ci.openshift.org (app.ci's internal registry) in Dockerfiles, YAML,",
        'JSON, scripts, Makefiles and any other text file, and print each as',
        '  FILE:LINE: OLD → NEW',
        'with its QCI pull spec. --write changes the files.',
        '',
        'References that cannot be mapped safely are listed as "needs review" and',
        'never changed: digest pins (@sha256:…), references without a tag, and',
        'templated values (${VERSION}, {{ .Tag }}, $(TAG)).',
        '',
        'PATH defaults to the current directory. .git and node_modules are skipped;',
        'in a git checkout only files git does not ignore are read. Symlinks inside',
        'the tree are not followed; binary files and files over --max-size are left',
        'alone. --write replaces each file atomically, keeping its mode and line',
        'endings, and changes only the references.',
        '',
        'Exit codes: 0 nothing to rewrite, or listed without --check, or --write',
        'succeeded; 1 --check found references to rewrite, or a file could not be',
        'read or written (the other files are still processed); 2 usage error',
        '(--write with --check); 5 a PATH that does not exist. "Needs review" entries',
        'do not change the exit code.',
      ].join('\n'),
    )
    .argument('[path...]', 'files or directories to scan (default: .)')
    .option('--write', 'rewrite the files in place')
    .option('--check', 'exit 1 if anything would be rewritten (for CI and pre-commit); changes nothing')
    .option('--no-gitignore', 'also scan files that .gitignore excludes')
    .option('--max-size <size>', 'skip files larger than this (default 10M)')
    .addHelpText(
      'after',
      examples([
        ['qci rewrite', 'list what would change under the current directory'],
        ['qci rewrite --write images/ Dockerfile', 'rewrite those files in place'],
        ['qci rewrite --check', 'in CI: fail while old registry references remain'],
        ["qci rewrite --json | jq '.needsReview'", 'the references a human has to fix'],
      ]),
    )
    .action(wrap(rewriteAction));
}
