/** qci version: qci's own version and the tools it works with, for bug reports. */
import type { Command } from 'commander';
import { examples, type Wrap, lazyAction } from '../context.js';

export function registerVersion(program: Command, wrap: Wrap): void {
  program
    .command('version')
    .summary('print the versions of qci, Node.js, podman and docker')
    .description(
      "Print the versions of qci, Node.js, podman and docker (for a bug report); `qci -V` prints qci's alone.",
    )
    .addHelpText(
      'after',
      examples([
        ['qci version', 'the versions, one a line'],
        ['qci version --json | jq -r .podman', 'one of them, for scripts'],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/version.js'),
          (m) => m.versionAction,
        ),
      ),
    );
}
