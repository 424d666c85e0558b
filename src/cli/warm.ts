/**
 * The first step of a command that proves its app.ci token at once (whoami, doctor, login): app.ci's
 * connections opened before the settings are checked and the command's modules load (kube/warm.ts).
 */
import { uncheckedContext } from '../core/settings.js';
import { warmAppCi as warm } from '../kube/warm.js';
import { readConfigFile } from './config-file.js';
import type { CommandContext } from './context.js';

/** Never fails: a bad setting, config file or kubeconfig is the command's to report, a step later. */
export async function warmAppCi(
  ctx: CommandContext,
  flags: { context?: string | undefined },
): Promise<void> {
  const env = ctx.io.env;
  let name = uncheckedContext({ flags, env });
  if (name === undefined) {
    try {
      const file = await readConfigFile(env);
      name = file ? uncheckedContext({ file }) : undefined;
    } catch {
      // the settings report it
    }
  }
  await warm({
    env,
    ...(name !== undefined ? { context: { name, source: 'settings' } } : {}),
  });
}
