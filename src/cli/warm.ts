/**
 * The first step of a command that proves its app.ci token at once (whoami, doctor, login): app.ci's
 * connections opened before the settings are checked and the command's modules load (kube/warm.ts).
 */
import { statSync } from 'node:fs';
import { uncheckedContext } from '../core/settings.js';
import { factsCacheFile } from '../io/cache-files.js';
import { warmAppCi as warm } from '../kube/warm.js';
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
      const file = await ctx.configFile();
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

/**
 * For a pull: the same, when this machine has no facts cache (it has never proved a token: a first
 * pull, or one after the cache was cleared), because such a pull most likely logs in. A pull whose
 * engine sends a credential not known to be dead asks app.ci nothing (session/pull.ts).
 */
export async function warmBeforeFirstProof(
  ctx: CommandContext,
  flags: { context?: string | undefined },
): Promise<void> {
  const env = ctx.io.env;
  // HOME is set in every normal environment; node:os loads only when it is not (start-up cost).
  const home = env.HOME || (await import('node:os')).homedir();
  try {
    statSync(factsCacheFile({ env, home }));
    return;
  } catch {
    await warmAppCi(ctx, flags);
  }
}
