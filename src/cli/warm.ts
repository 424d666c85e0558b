/**
 * The first step of a command that proves its app.ci token at once (whoami, doctor, login): app.ci's
 * connections opened before the settings are checked and the command's modules load (kube/warm.ts).
 */
import { statSync } from 'node:fs';
import { QCI_PROXY_HOST } from '../core/reference.js';
import { uncheckedContext } from '../core/settings.js';
import { MAX_BYTES, readFileSafeSync } from '../io/read.js';
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
 * pull, or one after the cache was cleared) and no auth file the engine reads names the registry,
 * because such a pull most likely logs in. A pull whose engine sends a credential not known to be dead
 * asks app.ci nothing (session/pull.ts): after a plain `podman login` (no facts cache), connections
 * opened ahead would go unused.
 */
export async function warmBeforeFirstProof(
  ctx: CommandContext,
  flags: {
    context?: string | undefined;
    registry?: string | undefined;
    authfile?: string | undefined;
  },
): Promise<void> {
  const env = ctx.io.env;
  // HOME is set in every normal environment; node:os loads only when it is not (start-up cost).
  const home = env.HOME || (await import('node:os')).homedir();
  try {
    statSync(factsCacheFile({ env, home }));
    return;
  } catch {
    if (!(await authFilesName(ctx, flags, home))) await warmAppCi(ctx, flags);
  }
}

/**
 * Whether an auth file either engine reads mentions the registry (unchecked settings, as above): a
 * guess, not the pre-flight's answer; a wrong one costs the login only the connections' head start.
 */
async function authFilesName(
  ctx: CommandContext,
  flags: { registry?: string | undefined; authfile?: string | undefined },
  home: string,
): Promise<boolean> {
  const env = ctx.io.env;
  let file: Awaited<ReturnType<CommandContext['configFile']>>;
  try {
    file = await ctx.configFile();
  } catch {
    return false; // the settings report it
  }
  const fromFile = (file?.data as Record<string, unknown> | null)?.registry;
  const host =
    [flags.registry, env.QCI_REGISTRY, fromFile].find(
      (v): v is string => typeof v === 'string' && v !== '',
    ) ?? QCI_PROXY_HOST;
  // The auth module loads with the pull's own modules a step later: loading it here costs nothing.
  const { authFileCandidates } = await import('../auth/discovery.js');
  const uid = process.getuid?.() ?? 0;
  const { authfile } = flags;
  return (['podman', 'docker'] as const)
    .flatMap((engine) =>
      authFileCandidates({
        env,
        home,
        uid,
        engine,
        ...(authfile ? { authfile } : {}),
      }),
    )
    .some(({ path }) => {
      try {
        return readFileSafeSync(path, {
          maxBytes: MAX_BYTES.authFile,
          what: 'auth file',
        }).includes(host);
      } catch {
        return false;
      }
    });
}
