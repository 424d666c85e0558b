import type { Command } from 'commander';
import { examples, type Wrap, lazyAction } from '../context.js';
import { addSettingOptions } from '../setting-flags.js';

export function registerDoctor(program: Command, wrap: Wrap): void {
  addSettingOptions(
    program
      .command('doctor')
      .summary('explain (and fix) why pulls from QCI fail with "unauthorized"')
      .description(
        'Check everything between you and a QCI pull, concurrently: the engines, the app.ci context and token ' +
          '(expiry, QCI access), every QCI entry in every auth file podman or docker reads (expired, revoked, ' +
          "another user's, shadowing, left behind by `podman logout`), the environment, old registry names, and " +
          'the registry itself (reachable, and accepting the credential podman would send, without pulling). ' +
          'Each finding says why and the command that fixes it. Exit 0 when healthy, 1 when something needs a fix.',
      )
      .option(
        '--fix',
        'apply the fixes marked (safe): remove dead QCI entries, log in again; ' +
          'then check again and show what remains',
      )
      .option(
        '--explain <error>',
        'explain an error message from podman, docker or skopeo, without running checks',
      )
      .option(
        '--authfile <path>',
        'check what `podman --authfile PATH pull` sends (a missing file, a dead token in it, a pull secret ' +
          'whose token expires within 7 days); with --fix, ' +
          'remove its dead QCI entries and log in into it (podman < 4.4 still reads its other files after it)',
      )
      .option('--timeout <seconds>', 'per-check timeout (default 5)'),
  )
    .addHelpText(
      'after',
      examples([
        ['qci doctor', 'what is wrong'],
        ['qci doctor --fix', 'repair what is safe to repair, then check again'],
        [
          'qci doctor --authfile ./ci-auth.json --fix',
          'why `podman pull --authfile ./ci-auth.json` fails, and repair that file',
        ],
        [
          'qci doctor --explain "unable to retrieve auth token: invalid username/password"',
          'decode a pasted error',
        ],
        [
          'qci doctor --json | jq \'.findings[] | select(.severity=="error")\'',
          'the problems, as data',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/doctor.js'),
          (m) => m.doctorAction,
        ),
      ),
    );
}
