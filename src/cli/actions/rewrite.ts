/**
 * What `qci rewrite` does once it runs, and how its results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/rewrite.ts.
 */
import { formatBytes } from '../../core/bytes.js';
import { usageError } from '../../core/errors.js';
import { parseSize } from '../../core/settings.js';
import type { CommandContext } from '../context.js';
import {
  DEFAULT_MAX_SIZE,
  type Listed,
  type RewriteResult,
} from '../../files/rewrite.js';
import { escapeControl } from '../../core/escape.js';

interface RewriteOptions {
  write?: boolean;
  check?: boolean;
  gitignore?: boolean;
  includeTests?: boolean;
  maxSize?: string;
}

/** --max-size: the same sizes as every qci size setting ("10M", "512K", "1.5G", a number of bytes). */
function maxSize(text: string): number {
  const bytes = parseSize(text);
  if (bytes === undefined || bytes <= 0 || !Number.isSafeInteger(bytes))
    throw usageError(
      `--max-size ${text}: expected a size such as 10M, 512K or 1048576`,
    );
  return bytes;
}

export async function rewriteAction(
  ctx: CommandContext,
  paths: string[],
  options: RewriteOptions,
): Promise<number> {
  if (options.write && options.check)
    throw usageError(
      '--write and --check do not go together: --check only reports, --write changes files',
    );
  const maxBytes =
    options.maxSize === undefined ? DEFAULT_MAX_SIZE : maxSize(options.maxSize);
  const mode: RewriteResult['mode'] = options.write
    ? 'write'
    : options.check
      ? 'check'
      : 'list';
  const roots = paths.length > 0 ? paths : ['.'];

  const [{ runRewrite, rewriteExitCode }, { insideGitCheckout }] =
    await Promise.all([
      import('../../files/rewrite.js'),
      import('../../files/walk.js'),
    ]);
  // Outside a checkout nothing narrows the walk: in ~ or / it reads for minutes, silently.
  if (paths.length === 0 && !insideGitCheckout('.', ctx.io.env))
    ctx.ui.warn(
      `no path given: reading every file under ${process.cwd()}, which is not a git checkout; name what to rewrite (qci rewrite docs/ ci-operator/) to read less`,
    );
  const run = await runRewrite(roots, {
    mode,
    maxBytes,
    gitignore: options.gitignore !== false,
    includeTests: options.includeTests === true,
    env: ctx.io.env,
    verbose: (line) => ctx.ui.verbose(line),
    warn: (line) => ctx.ui.warn(line),
  });
  const { result, listed, writtenReferences } = run;
  render(ctx, result, listed, maxBytes, writtenReferences);

  return rewriteExitCode(run);
}

function render(
  ctx: CommandContext,
  result: RewriteResult,
  listed: Listed[],
  maxBytes: number,
  writtenReferences: number,
): void {
  const { ui } = ctx;
  // File names and their text may hold anything (a newline would fake a line): escaped for humans.
  const e = escapeControl;
  for (const skip of result.skipped)
    ui.verbose(`skipped ${e(skip.path)}: ${skip.reason}`);
  if (ctx.json) ui.json(result);
  else {
    for (const { change: c, review: r } of listed) {
      if (c) ui.print(`${e(c.file)}:${c.line}: ${e(c.old)} → ${e(c.new)}`);
      if (r)
        ui.print(
          `${e(r.file)}:${r.line}: needs review: ${e(r.reference)}: ${e(r.reason)}${r.suggestion ? ` (probably ${e(r.suggestion)})` : ''}`,
        );
    }
  }
  for (const err of result.errors) ui.error(`${e(err.file)}: ${err.message}`);
  const binaries = result.skipped.filter((s) =>
    s.reason.startsWith('binary file (it'),
  );
  for (const b of binaries) ui.warn(`${e(b.path)}: ${b.reason}`);
  const large = result.skipped.filter((s) => s.reason.startsWith('larger'));
  if (large.length > 0) {
    ui.warn(
      `${large.length} file${large.length === 1 ? '' : 's'} over ${formatBytes(maxBytes)} not scanned (raise --max-size to include them): ${large
        .slice(0, 3)
        .map((s) => e(s.path))
        .join(', ')}${large.length > 3 ? ', …' : ''}`,
    );
  }

  const s = result.summary;
  const refs = `${s.changes} reference${s.changes === 1 ? '' : 's'} in ${s.files} file${s.files === 1 ? '' : 's'}`;
  const review =
    s.needsReview > 0
      ? `; ${s.needsReview} need${s.needsReview === 1 ? 's' : ''} review (not changed)`
      : '';
  const tests =
    s.testData > 0
      ? `; ${s.testData} test-data file${s.testData === 1 ? '' : 's'} skipped (--include-tests)`
      : '';
  const scanned = `${s.scanned} file${s.scanned === 1 ? '' : 's'} scanned${tests}`;
  if (result.mode === 'write') {
    ui.info(
      s.changes === 0
        ? `nothing to rewrite (${scanned})${review}`
        : `rewrote ${writtenReferences} reference${writtenReferences === 1 ? '' : 's'} in ${s.written} file${s.written === 1 ? '' : 's'} (${scanned})${review}`,
    );
  } else if (s.changes === 0) {
    ui.info(`nothing to rewrite (${scanned})${review}`);
  } else {
    ui.info(
      `${refs} would be rewritten (${scanned})${review}; run qci rewrite --write to change them`,
    );
  }
}
