import type { Command } from 'commander';
import { examples, type Wrap, lazyAction } from '../context.js';

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
    .action(
      wrap(
        lazyAction(
          () => import('../actions/rewrite.js'),
          (m) => m.rewriteAction,
        ),
      ),
    );
}
