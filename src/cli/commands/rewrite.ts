import type { Command } from 'commander';
import { formatBytes } from '../../core/bytes.js';
import { usageError } from '../../core/errors.js';
import { parseSize } from '../../core/settings.js';
import { examples, type CommandContext, type Wrap } from '../context.js';
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

  const { runRewrite, rewriteExitCode } = await import(
    '../../files/rewrite.js'
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

export function registerRewrite(program: Command, wrap: Wrap): void {
  program
    .command('rewrite')
    .summary(
      'move registry.ci.openshift.org and registry.svc.ci.openshift.org references to QCI',
    )
    .description(
      [
        'Find image references to registry.svc.ci.openshift.org (decommissioned) and',
        "registry.ci.openshift.org (app.ci's internal registry) in Dockerfiles, YAML,",
        'JSON, scripts, Makefiles and any other text file, and the wrong form',
        'quay-proxy.ci.openshift.org/NS/NAME:TAG (as qci pullspec reads it), and',
        'print each as',
        '  FILE:LINE: OLD → NEW',
        'with its QCI pull spec. --write changes the files.',
        '',
        'References that cannot be mapped safely are listed as "needs review" and',
        'never changed: digest pins (@sha256:…), references without a tag,',
        'templated values (${VERSION}, {{ .Tag }}, $(TAG), {MAJOR}.{MINOR}, %s, …),',
        'and text that is not a pull: ci-operator inputs.<name>.as values, the',
        'Dockerfile FROM lines an as: value in the tree names, release',
        'payloads (ocp/release:…), lines that explain the mapping (they name the',
        'QCI form too) and Markdown/AsciiDoc/TeX prose outside code.',
        '',
        'Test data (*_test.go, testdata/, fixtures/, golden files under test/, and',
        'files in which every reference has its own QCI form elsewhere in the file)',
        'is skipped and counted; --include-tests includes it.',
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
    .option(
      '--check',
      'exit 1 if anything would be rewritten (for CI and pre-commit); changes nothing',
    )
    .option('--no-gitignore', 'also scan files that .gitignore excludes')
    .option(
      '--include-tests',
      'also rewrite test data (*_test.go, testdata/, fixtures/, golden files)',
    )
    .option('--max-size <size>', 'skip files larger than this (default 10M)')
    .addHelpText(
      'after',
      examples([
        ['qci rewrite', 'list what would change under the current directory'],
        [
          'qci rewrite --write images/ Dockerfile',
          'rewrite those files in place',
        ],
        [
          'qci rewrite --check',
          'in CI: fail while old registry references remain',
        ],
        [
          "qci rewrite --json | jq '.needsReview'",
          'the references a human has to fix',
        ],
      ]),
    )
    .action(wrap(rewriteAction));
}
