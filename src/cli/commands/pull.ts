import type { Command } from 'commander';
import { examples, type Wrap, lazyAction } from '../context.js';
import { addSettingOptions } from '../setting-flags.js';

export function registerPull(program: Command, wrap: Wrap): void {
  addSettingOptions(
    program
      .command('pull')
      .summary(
        'pull images from QCI by image stream tag, logging in when needed',
      )
      .description(
        'Pull each image from QCI: NS/NAME:TAG (or any form qci pullspec takes) becomes its QCI pull spec; ' +
          'if the engine would send no credential, or an expired one, qci logs in first (as qci login does); ' +
          'then it runs `podman pull --platform linux/amd64 PULLSPEC` with its progress shown live. ' +
          'A failure is explained in one sentence with the command that fixes it; an authentication failure ' +
          'is retried once after a fresh login. Every reference is read first: one malformed, and nothing is pulled.',
      )
      .argument('<ref...>', 'image references, e.g. ocp/4.7:my-component')
      .option(
        '--platform <os/arch>',
        'platform to pull (env QCI_PLATFORM; default linux/amd64)',
      )
      .option('-q, --quiet', "no progress output (the engine's -q)")
      .option('--no-login', 'never log in; just pull with what the engine has')
      .option(
        '--dry-run',
        'print the commands qci would run (secrets redacted) and run nothing',
      )
      .option(
        '--local-name',
        'also tag each pulled image as NS/NAME:TAG locally',
      )
      .option(
        '--authfile <path>',
        'auth file for the engine (podman --authfile)',
      )
      .option(
        '--if-stale',
        "pull only what is not already local as QCI's tag points at it now (as podman run --pull=newer)",
      ),
  )
    .addHelpText(
      'after',
      examples([
        [
          'qci pull ocp/4.7:my-component',
          'pull quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_my-component',
        ],
        [
          'qci pull --local-name ocp/4.7:cli',
          'and tag it localhost/ocp/4.7:cli',
        ],
        [
          'qci pull --platform linux/arm64 ocp/4.18:base-rhel9',
          'another platform',
        ],
        ['qci pull --dry-run ocp/4.7:cli', 'show what would run'],
        [
          'qci pull -q --if-stale ocp/4.7:cli',
          'in front of a script: pulls only when the tag has moved',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/pull.js'),
          (m) => m.pullAction,
        ),
      ),
    );
}
