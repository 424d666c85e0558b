import { Option, type Command } from 'commander';
import { ARCHITECTURES } from '../../core/architectures.js';
import { examples, type Wrap, lazyAction } from '../context.js';
import { addSettingOptions } from '../setting-flags.js';

export function registerRelease(program: Command, wrap: Wrap): void {
  addSettingOptions(
    program
      .command('release')
      .summary(
        "a CI release payload's pull spec, its components, or a pull of either",
      )
      .description(
        'Find a release payload through the release controller (each architecture has its own, ' +
          'https://ARCH.ocp.releases.ci.openshift.org) and print the pull spec where it really is: ' +
          'QCI (quay-proxy.ci.openshift.org/openshift/ci:rc_payload__NAME) when QCI has it, asked with the ' +
          'credential podman would send, else the pull spec the controller gives (registry.ci.openshift.org/ocp/release:NAME ' +
          'for nightlies). STREAM_OR_NAME: 4.18 (the 4.18.0-0.ci stream), a stream (4.18.0-0.nightly, 4-stable), or a ' +
          'release name (4.18.0-0.ci-2026-11-20-101010); a stream means its latest accepted release. ' +
          "--components reads the payload's release-manifests/image-references from its top layer, as oc adm release info " +
          '--pullspecs does, without pulling it. Exit 5: no such stream, nothing accepted yet, or the release was pruned; ' +
          '6: the release controller or registry cannot be reached.',
      )
      .argument(
        '<stream-or-name>',
        '4.18, 4.18.0-0.nightly, or 4.18.0-0.ci-2026-11-20-101010',
      )
      .addOption(
        new Option(
          '--arch <arch>',
          "which architecture's release controller (default amd64, or the one the name carries)",
        ).choices(ARCHITECTURES),
      )
      .option(
        '--components',
        'list the component images: NAME and digest-pinned pull spec',
      )
      .option(
        '--component <name>',
        "print one component's pull spec (for qci pull, qci inspect)",
      )
      .option(
        '--pull',
        'pull the payload, or the --component, with the engine (logging in first)',
      )
      .option(
        '-q, --quiet',
        "with --pull: no progress output (the engine's -q)",
      )
      .option(
        '--no-login',
        'never log in; ask and pull with what the engine has',
      )
      .option(
        '--authfile <path>',
        'read and write credentials as podman --authfile does',
      )
      .option(
        '--platform <os/arch>',
        'the image of a multi payload to read or pull (default linux/amd64)',
      )
      .option(
        '--timeout <seconds>',
        'give up on a request attempt after this long (default 30; a failed request is tried up to 4 times)',
      )
      .option(
        '--release-controller <url>',
        'the release controller API for every architecture (env QCI_RELEASE_CONTROLLER)',
      ),
  )
    .addHelpText(
      'after',
      examples([
        ['qci release 4.18', "the latest accepted 4.18 CI payload's pull spec"],
        [
          'qci release 4.18.0-0.nightly --json',
          'name, phase, pull spec, digest, where it is',
        ],
        ['qci release 4.18 --arch arm64', 'from the arm64 release controller'],
        [
          'qci release 4.18 --components',
          'every component image, digest-pinned',
        ],
        [
          'qci release 4.18 --component cli --pull',
          "pull the payload's oc image",
        ],
        [
          'qci exec -- oc adm release info "$(qci release 4.18)"',
          'oc with a QCI login',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/release.js'),
          (m) => m.releaseAction,
        ),
      ),
    );
}
