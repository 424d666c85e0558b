/**
 * What `qci exec` does once it runs, and how its results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/exec.ts.
 */
import { usageError } from '../../core/errors.js';
import { refuseJson, type CommandContext } from '../context.js';
import { settingFlags, type SettingFlags } from '../setting-flags.js';

export async function execAction(
  ctx: CommandContext,
  command: string,
  args: string[],
  options: SettingFlags,
): Promise<number> {
  refuseJson(ctx, "qci exec's output is the command's own");
  if (command.trim() === '')
    throw usageError('qci exec needs a command after --, and it is empty', {
      hint: 'qci exec -- skopeo inspect docker://quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_cli',
    });
  // Loaded when the command runs: the kube client and execa are not for start-up.
  const [{ authSetup }, { execWithQciCredential }] = await Promise.all([
    import('../auth-setup.js'),
    import('../../session/exec.js'),
  ]);
  const setup = authSetup(ctx, await ctx.settings(settingFlags(options)));
  return execWithQciCredential(setup, {
    command,
    args,
    log: (line) => ctx.ui.verbose(line),
  });
}
