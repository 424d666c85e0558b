/** What the login/pull/doctor code needs from a command: settings, environment, a runner that logs under --verbose. */
import { homedir } from 'node:os';
import type { ResolvedSettings } from '../core/settings.js';
import { processRunner } from '../engine/run.js';
import type { AuthSetup } from '../session/qci-auth.js';
import type { CommandContext } from './context.js';

const SOURCE_NAMES = { flag: '--context', environment: 'QCI_CONTEXT', 'config file': 'the config file', default: 'default' } as const;

export function authSetup(ctx: CommandContext, resolved: ResolvedSettings): AuthSetup {
  const { settings, sources } = resolved;
  return {
    settings,
    env: ctx.io.env,
    home: ctx.io.env.HOME || homedir(),
    uid: process.getuid?.() ?? 0,
    runner: processRunner((line) => ctx.ui.verbose(line)),
    context: settings.context ? { name: settings.context, source: SOURCE_NAMES[sources.context] } : undefined,
    now: () => new Date(),
  };
}
