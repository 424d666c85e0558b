import type { Command } from 'commander';
import { examples, type Wrap, lazyAction } from '../context.js';
import { REGISTRY_OPTION } from '../setting-flags.js';

/** qci pull-secret: QCI credentials for clusters and automation. */
export function registerPullSecret(program: Command, wrap: Wrap): void {
  program
    .command('pull-secret')
    .summary(
      'a pull secret for clusters and automation: to a file, merged into one, or applied to a cluster',
    )
    .description(
      'Make a pull secret (the .dockerconfigjson clusters, installers and podman --authfile read) holding a QCI credential: ' +
        'your own app.ci token by default (it dies with that token, 28 days at most: a warning says when), or, with ' +
        '--service-account NAMESPACE/NAME, a bound token minted for that ServiceAccount as `qci sa token` does, for ' +
        'anything that must outlive your token. It goes to -o FILE (mode 0600, atomically), into an existing pull ' +
        "secret with --merge FILE (such as the installer's pull-secret.txt: every other registry's entry and key kept), " +
        'to a cluster with --apply, or to stdout when stdout is not a terminal (never to a terminal). ' +
        'No token is ever in a command line, a message or --json.',
    )
    .option(
      '-o, --output <file>',
      'write the pull secret to this file (mode 0600, atomically); - is stdout',
    )
    .option(
      '--merge <file>',
      'add the QCI entry to this existing pull secret, keeping everything else',
    )
    .option(
      '--service-account <ns/name>',
      "a ServiceAccount's bound token (TokenRequest on app.ci) instead of your own token",
    )
    .option(
      '--duration <time>',
      'with --service-account: the token lifetime, at least 10m (default 720h)',
    )
    .option(
      '--with-app-ci-registry',
      'also hold an entry for registry.ci.openshift.org (app.ci registry, for CI automation)',
    )
    .option(
      '--apply',
      'put the pull secret into a cluster (see --kubeconfig, --context)',
    )
    .option(
      '--kubeconfig <file>',
      'with --apply: the kubeconfig of the target cluster (default KUBECONFIG)',
    )
    .option(
      '--context <name>',
      'with --apply: the target cluster context (default: the current context)',
    )
    .option(
      '--namespace <ns>',
      'with --apply on a cluster that is not OpenShift: the Secret namespace',
    )
    .option(
      '--name <name>',
      'with --apply on a cluster that is not OpenShift: the Secret name',
    )
    .option(
      '--link-service-account <name>',
      "with --apply --namespace: add the Secret to that ServiceAccount's imagePullSecrets",
    )
    .option(
      '--allow-app-ci',
      "with --apply: allow app.ci's own cluster as the target",
    )
    .option(
      '--dry-run',
      'with --apply or --merge: show what would change (secrets masked), change nothing',
    )
    .option(
      '--app-ci-context <name>',
      "app.ci kube context that proves or mints the token (env QCI_CONTEXT; default: named app.ci, else app.ci's server)",
    )
    .option(...REGISTRY_OPTION)
    .addHelpText(
      'after',
      examples([
        [
          'qci pull-secret --service-account my-project/image-puller -o pull-secret.json',
          'a 30-day ServiceAccount pull secret in a 0600 file',
        ],
        [
          'qci pull-secret --merge pull-secret.txt',
          "add QCI to the installer's pull secret",
        ],
        [
          'qci pull-secret -o ps.json && podman pull --authfile ps.json quay-proxy.ci.openshift.org/openshift/ci:ocp_4.18_cli',
          'use it with podman',
        ],
        [
          'qci pull-secret --service-account my-project/image-puller --apply --context my-cluster --dry-run',
          'what would change in openshift-config/pull-secret',
        ],
        [
          'qci pull-secret --apply --context kind-kind --namespace ci --name qci-pull --link-service-account default',
          'a dockerconfigjson Secret for a kind cluster',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/pull-secret.js'),
          (m) => m.pullSecretAction,
        ),
      ),
    );
}
