import type { Command } from 'commander';
import { examples, type Wrap, lazyAction } from '../context.js';

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

/** qci sa and its subcommands init (the release-repo files) and token (a bound token). */
export function registerSa(program: Command, wrap: Wrap): void {
  const sa = program
    .command('sa')
    .summary(
      'a ServiceAccount for programmatic QCI pulls: the release-repo files, then bound tokens',
    )
    .description(
      'Programmatic access to QCI, as the docs describe it: `qci sa init` writes the openshift/release files that create ' +
        "your project's ServiceAccount image-puller on app.ci (Namespace, ServiceAccount, RoleBindings, OWNERS); once that " +
        'pull request merges, members of the admins group get short-lived tokens for it with `qci sa token`.',
    )
    // In qci's words, with its example (commander's default says "display help for command").
    .helpCommand('help [command]', 'help for a subcommand: qci sa help token')
    .addHelpText(
      'after',
      examples([
        [
          'qci sa init --project my-project --admins my-project-admins --release-repo ~/src/release',
          'the files for the pull request',
        ],
        [
          'qci sa token --project my-project --output my-project.token',
          'a 24-hour token, saved with mode 0600',
        ],
      ]),
    );
  registerSaInit(sa, wrap);
  registerSaToken(sa, wrap);

  // Nested commands do not pass through program.ts's loop over program.commands.
  for (const command of sa.commands)
    command.showHelpAfterError('(run with --help for usage)');
}

function registerSaInit(sa: Command, wrap: Wrap): void {
  sa.command('init')
    .summary(
      'write the openshift/release files that create a ServiceAccount for QCI pulls',
    )
    .description(
      `Render clusters/app.ci/registry-access/PROJECT/admin_manifest.yaml (the seed's Namespace, ServiceAccount image-puller, ` +
        'a RoleBinding to system:image-puller in ocp, view and pull-secret-namespace-manager for the admins group) and OWNERS. ' +
        'With --release-repo they are written into that openshift/release checkout (an existing directory only with --force); ' +
        'without it they are printed. Names must be DNS-1123; the next steps follow on stderr.',
    )
    .requiredOption(
      '--project <name>',
      'project (namespace) on app.ci that holds the ServiceAccount, e.g. my-project',
    )
    .requiredOption(
      '--admins <group>',
      'Rover group whose members may create tokens, e.g. my-project-admins',
    )
    .option(
      '--owners <logins>',
      'GitHub logins for OWNERS, comma-separated or repeated (default: a placeholder to replace)',
      collect,
    )
    .option(
      '--release-repo <dir>',
      'an openshift/release checkout to write into (default: print the files)',
    )
    .option(
      '--force',
      'replace admin_manifest.yaml and OWNERS in an existing directory',
    )
    .addHelpText(
      'after',
      examples([
        [
          'qci sa init --project my-project --admins my-project-admins',
          'print the files',
        ],
        [
          'qci sa init --project my-project --admins my-project-admins --owners alice,bob --release-repo ~/src/release',
          'write them into the checkout',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/sa.js'),
          (m) => m.saInitAction,
        ),
      ),
    );
}

function registerSaToken(sa: Command, wrap: Wrap): void {
  sa.command('token')
    .summary(
      'a short-lived token for the ServiceAccount (TokenRequest on app.ci)',
    )
    .description(
      "Ask app.ci for a bound token of PROJECT's ServiceAccount (TokenRequest, what `oc create token` does) with your own app.ci " +
        'context; you must be in the admins group of `qci sa init`. The granted expiry is read back and shown on stderr. The token goes ' +
        'to stdout only when stdout is not a terminal, or with --show; --output writes it to a file with mode 0600. ' +
        'Prefer short lifetimes and rotate; anyone holding the token can pull from QCI until it expires.',
    )
    .requiredOption(
      '--project <name>',
      'project (namespace) on app.ci that holds the ServiceAccount',
    )
    .option('--name <serviceaccount>', 'ServiceAccount name', 'image-puller')
    .option(
      '--duration <time>',
      'lifetime: at least 10m; e.g. 1h, 24h, 7d',
      '24h',
    )
    .option(
      '--output <file>',
      'write the token to this file (atomically, mode 0600) instead of stdout (- is stdout)',
    )
    .option('--show', 'print the token on stdout even when it is a terminal')
    .option(
      '--context <name>',
      'app.ci kube context (env QCI_CONTEXT; default: the context named app.ci, else the one whose server is app.ci)',
    )
    .addHelpText(
      'after',
      examples([
        [
          'qci sa token --project my-project --output my-project.token',
          'save a 24-hour token',
        ],
        [
          'qci sa token --project my-project --duration 1h | podman login -u sa --password-stdin quay-proxy.ci.openshift.org',
          'straight into a login',
        ],
        [
          'qci sa token --project my-project --json | jq -r .expiresAt',
          'when it expires (the token is in .token)',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/sa.js'),
          (m) => m.saTokenAction,
        ),
      ),
    );
}
