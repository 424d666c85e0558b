import type { Command } from 'commander';
import { examples, type Wrap, lazyAction } from '../context.js';
import { REGISTRY_OPTION } from '../setting-flags.js';

export function registerInspect(program: Command, wrap: Wrap): void {
  program
    .command('inspect')
    .summary(
      "show an image's digest, platforms, created time, size and labels without pulling it",
    )
    .description(
      'Read an image from QCI through the registry API, with the credential podman would send (or none, as podman would), ' +
        'without pulling it and without listing tags: the digest (of the index and of each platform), the platforms, when it was ' +
        'built, its compressed size, and its labels, such as io.openshift.build.commit.id and io.openshift.build.source-location. ' +
        'REF is any form qci pullspec takes. Retries 429 and 5xx answers with backoff (honouring Retry-After) and honours ' +
        'HTTPS_PROXY and NO_PROXY. Exit 3: a login is needed; 4: access denied; 5: no such tag or platform; 6: unreachable.',
    )
    .argument('<ref>', 'image reference, e.g. ocp/4.7:my-component')
    .option(
      '--platform <os/arch>',
      'which image of a multi-platform index to describe (env QCI_PLATFORM; default linux/amd64)',
    )
    .option(
      '--pin',
      "print only the digest-pinned pull spec (the index's digest; with --platform, that platform's)",
    )
    .option('--authfile <path>', 'read credentials as podman --authfile does')
    .option(
      '--no-login',
      'do not log in when the registry wants a credential podman lacks',
    )
    .option(
      '--timeout <seconds>',
      'give up on a request attempt after this long (default 30; a failed request is tried up to 4 times)',
    )
    .option(...REGISTRY_OPTION)
    .option(
      '--engine <name>',
      'whose auth files to read: podman or docker (env QCI_ENGINE; default podman when installed)',
    )
    .option(
      '--tls-verify [bool]',
      'verify the registry TLS certificate (env QCI_TLS_VERIFY; default true)',
    )
    .addHelpText(
      'after',
      examples([
        [
          'qci inspect ocp/4.7:my-component',
          'digest, platforms, created, size, labels',
        ],
        [
          'qci inspect --platform linux/arm64 ocp/4.18:base-rhel9',
          'the arm64 image of an index',
        ],
        [
          'podman pull $(qci inspect --pin ocp/4.7:cli)',
          'pull exactly the image the tag points at now',
        ],
        [
          'qci inspect --pin --platform linux/arm64 ocp/4.18:base-rhel9',
          "pinned to the arm64 image's own digest",
        ],
        [
          'qci inspect --json ocp/4.7:cli | jq -r \'.labels["io.openshift.build.commit.id"]\'',
          'the commit it was built from',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/inspect.js'),
          (m) => m.inspectAction,
        ),
      ),
    );
}
