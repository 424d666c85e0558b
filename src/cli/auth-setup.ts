/**
 * What the login/pull/doctor code needs from a command, injected once: settings, environment, a runner that
 * logs under --verbose, the kube client, and the process's signals.
 */
import { homedir } from 'node:os';
import { requestedContext, type ResolvedSettings } from '../core/settings.js';
import { processRunner } from '../engine/run.js';
import { AppCi } from '../kube/appci.js';
import type { AuthSetup } from '../session/setup.js';
import type { CommandContext } from './context.js';

export function authSetup(
  ctx: CommandContext,
  resolved: ResolvedSettings,
): AuthSetup {
  const context = requestedContext(resolved);
  return {
    settings: resolved.settings,
    env: ctx.io.env,
    home: ctx.io.env.HOME || homedir(),
    uid: process.getuid?.() ?? 0,
    runner: processRunner(
      (line) => ctx.ui.verbose(line),
      (chunk) => ctx.io.stderr.write(chunk),
    ),
    context,
    now: () => new Date(),
    connect: (requested = context, options = {}) =>
      AppCi.connect({
        env: ctx.io.env,
        ...(requested ? { context: requested } : {}),
        ...options,
      }),
    onSignals: (signals, handler) => {
      // `on`, not `once`: execa's signal-exit re-raises a signal that no other listener is left to handle.
      for (const signal of signals) process.on(signal, handler);
      return () => {
        for (const signal of signals) process.removeListener(signal, handler);
      };
    },
  };
}
