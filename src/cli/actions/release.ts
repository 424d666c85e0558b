/**
 * What `qci release` does once it runs, and how its results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/release.ts.
 */
import { formatBytes } from '../../core/bytes.js';
import { usageError } from '../../core/errors.js';
import { escapeControl } from '../../core/escape.js';
import type { Architecture } from '../../core/release.js';
// Type-only here: the session (registry client, engine) loads when the command runs.
import type {
  ReleaseRunReport,
  ReleaseRunRequest,
} from '../../session/release-run.js';
import type { CommandContext } from '../context.js';
import { timeoutFlag } from './inspect.js';
import { settingFlags, type SettingFlags } from '../setting-flags.js';

interface ReleaseFlags extends SettingFlags {
  arch?: Architecture;
  components?: boolean;
  component?: string;
  pull?: boolean;
  quiet?: boolean;
  login?: boolean;
  authfile?: string;
  timeout?: string;
  platform?: string;
  releaseController?: string;
}

const LOCATION = {
  qci: 'in QCI',
  'app.ci': "in app.ci's registry (not in QCI)",
  other: 'outside QCI',
} as const;

function render(ctx: CommandContext, r: ReleaseRunReport): void {
  const e = escapeControl;
  if (r.pulled) return; // stdout is the engine's (the image ID), as for qci pull
  if (r.component) ctx.ui.print(e(r.component.pullSpec));
  else if (r.components) {
    const width = Math.max(...r.components.map((c) => c.name.length), 0);
    for (const c of r.components)
      ctx.ui.print(`${e(c.name).padEnd(width)}  ${e(c.pullSpec)}`);
  } else ctx.ui.print(e(r.pullSpec));
}

/** A progress line on a terminal while the payload's top layer is read; nothing otherwise. */
function progressLine(ctx: CommandContext) {
  if (ctx.io.stderr.isTTY !== true) return { progress: undefined, done() {} };
  let shown = 0;
  return {
    progress(read: number, size: number) {
      if (read - shown < 256 * 1024 && read < size) return;
      shown = read;
      ctx.io.stderr.write(
        `\rreading the payload's top layer: ${formatBytes(read)}${size ? ` of ${formatBytes(size)}` : ''}\x1b[K`,
      );
    },
    done() {
      if (shown) ctx.io.stderr.write('\r\x1b[K');
    },
  };
}

/** What the flags ask of the session; messages go to stderr as they happen. */
function runRequest(
  ctx: CommandContext,
  input: string,
  options: ReleaseFlags,
  timeoutMs: number | undefined,
  progress: ((read: number, size: number) => void) | undefined,
): ReleaseRunRequest {
  const say = (text: string) => ctx.ui.info(text);
  return {
    input,
    arch: options.arch,
    authfile: options.authfile,
    login: options.login !== false,
    timeoutMs,
    log: (text) => ctx.ui.verbose(text),
    say,
    components: options.components === true,
    component: options.component,
    progress,
    onResolved: (r) => {
      for (const warning of r.warnings) ctx.ui.warn(warning);
      ctx.ui.info(
        `${escapeControl(r.name)} (${r.phase === null ? 'no longer listed by the release controller' : escapeControl(r.phase)}) ${LOCATION[r.location]}`,
      );
    },
    pull: options.pull
      ? {
          quiet: options.quiet === true,
          login: options.login !== false,
          authfile: options.authfile,
          terminal: ctx.io.stderr.isTTY === true,
          json: ctx.json,
          say,
          warn: (text) => ctx.ui.warn(text),
        }
      : undefined,
  };
}

export async function releaseAction(
  ctx: CommandContext,
  input: string,
  options: ReleaseFlags,
): Promise<number> {
  const timeoutMs = timeoutFlag(options.timeout); // a bad value fails before anything is asked
  if (options.components && options.component !== undefined)
    throw usageError(
      '--components lists them all; --component NAME names one',
      {
        hint: 'give one of the two',
      },
    );
  if (options.pull && options.components)
    throw usageError(
      '--pull pulls the payload or one --component, not all of them',
    );
  const [{ authSetup }, { runRelease }] = await Promise.all([
    import('../auth-setup.js'),
    import('../../session/release-run.js'),
  ]);
  const setup = authSetup(
    ctx,
    await ctx.settings({
      ...settingFlags(options),
      platform: options.platform,
      releaseController: options.releaseController,
    }),
  );
  const line = progressLine(ctx);
  const report = await runRelease(
    setup,
    runRequest(ctx, input, options, timeoutMs, line.progress),
  ).finally(() => line.done());
  if (report.pulled && !report.pulled.ok)
    ctx.ui.error(
      report.pulled.message ?? 'the pull failed',
      report.pulled.hint ?? undefined,
    );
  const { exitCode, ...data } = report;
  if (ctx.json) ctx.ui.json(data);
  else render(ctx, report);
  return exitCode;
}
