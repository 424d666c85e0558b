import type { Command } from 'commander';
import { examples, type Wrap, lazyAction } from '../context.js';
import { addSettingOptions } from '../setting-flags.js';

export function registerExec(program: Command, wrap: Wrap): void {
  addSettingOptions(
    program
      .command('exec')
      .usage('[options] -- <command> [args...]')
      .summary(
        'run a command with a fresh QCI credential that exists only while it runs',
      )
      .description(
        'Run COMMAND with a fresh QCI credential (the token of your app.ci context, checked as qci login checks it) ' +
          'in a temporary auth file that only COMMAND sees: REGISTRY_AUTH_FILE (podman, skopeo, buildah) and DOCKER_CONFIG ' +
          '(docker) point into a private 0700 directory holding a 0600 config.json with the QCI entry alone, so COMMAND gets ' +
          'no other registry logins from it (podman before 4.4 still falls back to ~/.config/containers/auth.json and ' +
          '~/.docker/config.json for other registries). The directory is removed when COMMAND exits, fails, or qci is interrupted or terminated ' +
          '(SIGINT, SIGTERM and SIGHUP are passed on to COMMAND). Put -- before COMMAND. ' +
          "qci's exit code is COMMAND's (128+N when a signal N ended it; 127 not found, 126 not executable); 128+N when qci " +
          'itself got signal N (130 for Ctrl-C, 143 for SIGTERM), whatever COMMAND made of it; before COMMAND starts, qci exits ' +
          'with its own codes (3 login needed, 4 no QCI access, …).',
      )
      .argument('<command>', 'the program to run (from PATH)')
      .argument('[args...]', 'its arguments'),
    false,
  )
    .addHelpText(
      'after',
      examples([
        [
          'qci exec -- podman pull quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_cli',
          'pull without storing a credential',
        ],
        [
          'qci exec -- skopeo inspect docker://quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_cli',
          'inspect',
        ],
        [
          'qci exec -- sh -c \'podman pull "$(qci pullspec ocp/4.7:cli)"\'',
          'several commands, one credential',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/exec.js'),
          (m) => m.execAction,
        ),
      ),
    );
}
