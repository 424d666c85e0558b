import { type Command, Option } from 'commander';
import { examples, type Wrap, lazyAction } from '../context.js';
import { addSettingOptions, REGISTRY_OPTION } from '../setting-flags.js';

/** qci login, logout and whoami (alias status): the commands of the QCI credential. */
export function registerLogin(program: Command, wrap: Wrap): void {
  registerLoginCommand(program, wrap);
  registerLogoutCommand(program, wrap);
  registerWhoamiCommand(program, wrap);
}

function registerLoginCommand(program: Command, wrap: Wrap): void {
  addSettingOptions(
    addLoginOptions(
      program
        .command('login')
        .summary('log podman (or docker) in to QCI with your app.ci token')
        .description(
          "Log the container engine in to QCI with the token of your app.ci kube context, as the docs' " +
            '`podman login -u=$(oc whoami) -p=$(oc whoami -t) quay-proxy.ci.openshift.org` does, but safely: the token goes on stdin, ' +
            'QCI access is checked first, and qci says which file now holds the credential, when the token expires, ' +
            'and which other auth file holds an older QCI credential that could shadow or outlive it.',
        ),
    ),
  )
    .argument(
      '[registry]',
      'the registry to log in to, as podman login takes it (the same as --registry; default QCI)',
    )
    .addHelpText(
      'after',
      examples([
        ['qci login', 'log podman in with the app.ci context'],
        ['qci login --web', 'no kubeconfig yet: sign in with the browser'],
        ['qci login --authfile /tmp/t.c', 'into a separate auth file'],
        [
          'qci login --context ci/api-ci-l2s4-p1-openshiftapps-com:6443/me',
          'with a named context',
        ],
        ['qci login --token-page', 'over SSH: paste a token from the browser'],
        [
          'qci login --token-file my-project.token',
          'with a ServiceAccount token (qci sa token)',
        ],
        [
          'qci login --helper',
          'no stored secret: podman and docker ask docker-credential-qci on each pull',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/login.js'),
          (m) => m.loginAction,
        ),
      ),
    );
}

/** qci login's own flags: where the credential goes, where the token comes from, and --web's. */
function addLoginOptions(command: Command): Command {
  return (
    command
      .option(
        '--authfile <path>',
        'write the credential to this file (podman --authfile)',
      )
      .option(
        '--token-file <file>',
        'log in with the ServiceAccount token in this file (from qci sa token) instead of the kube context',
      )
      .option(
        '--helper',
        'store nothing: register docker-credential-qci (credHelpers) so every pull gets the current app.ci token',
      )
      .option(
        '--web',
        'no kubeconfig or oc needed: log in to app.ci in the browser, write the kubeconfig, then log the engine in',
      )
      .option(
        '--token-page',
        'no browser on this machine (SSH)? open the token page in any browser and paste the API token here (as --web, without the way back to 127.0.0.1)',
      )
      .option(
        '--server <url>',
        'with --web or --token-page: the API server (default https://api.ci.l2s4.p1.openshiftapps.com:6443)',
      )
      .option(
        '--certificate-authority <file>',
        'with --web or --token-page: CA file for the API and OAuth servers (as oc; NODE_EXTRA_CA_CERTS works too)',
      )
      .option(
        '--callback-port <port>',
        'with --web: the 127.0.0.1 port the browser returns to (default: a free one)',
      )
      .addOption(new Option('--token [token]').hideHelp())
      // podman login's own flags, typed by habit (the docs' `podman login -u=… -p=…` line): refused
      // with what qci does instead, never used or shown.
      .addOption(new Option('-u, --username [user]').hideHelp())
      .addOption(new Option('-p, --password [password]').hideHelp())
      .addOption(new Option('--password-stdin').hideHelp())
  );
}

function registerLogoutCommand(program: Command, wrap: Wrap): void {
  program
    .command('logout')
    .summary(
      'remove QCI credentials from every auth file podman and docker read',
    )
    .description(
      'Remove QCI credentials from every auth file podman or docker reads, not only the one `podman logout` edits: ' +
        'a stale token in ~/.docker/config.json survives `podman logout` and keeps breaking pulls. A changed file keeps a backup when it held something besides the QCI secret.',
    )
    .option('--dry-run', 'list what would be removed, change nothing')
    .option('--authfile <path>', 'also clean this auth file')
    .option(
      '--helper',
      'also remove the docker-credential-qci registration (qci login --helper)',
    )
    .option(...REGISTRY_OPTION)
    .addHelpText(
      'after',
      examples([
        ['qci logout --dry-run', 'see which files hold QCI credentials'],
        ['qci logout', 'remove them all'],
        ['qci logout --helper', 'and stop using docker-credential-qci'],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/login.js'),
          (m) => m.logoutAction,
        ),
      ),
    );
}

function registerWhoamiCommand(program: Command, wrap: Wrap): void {
  addSettingOptions(
    program
      .command('whoami')
      .alias('status')
      .summary(
        'show your app.ci identity, token expiry, QCI access and what podman/docker will send to QCI',
      )
      .description(
        'Show who your app.ci context says you are, when its token expires, whether you may pull from QCI, and, for ' +
          'podman and docker, which auth entry they would send to QCI and whether it still works. ' +
          'Credential helpers are asked as the engine asks them (the secret is never shown). ' +
          'Exit 0 when a pull would authenticate, 3 when a login is needed, 4 without QCI access, 6 when app.ci cannot be reached (the others: qci help exit-codes).',
      )
      .option(
        '--authfile <path>',
        'what `podman --authfile PATH` sends (podman < 4.4 still reads its other files after it); ' +
          'for a pull secret, whose token its QCI entry holds and when it expires',
      ),
  )
    .addHelpText(
      'after',
      examples([
        ['qci whoami', 'the status'],
        [
          "qci whoami --json | jq -r '.appci.expiresAt'",
          'when the token expires',
        ],
        [
          "qci whoami --authfile ./ci-auth.json --json | jq -r '.engines[0].sends'",
          'what podman --authfile sends',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/login.js'),
          (m) => m.whoamiAction,
        ),
      ),
    );
}
