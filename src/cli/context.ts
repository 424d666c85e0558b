/**
 * What a command action gets: the streams, a Ui for printing, the global flags, and settings
 * resolved once from flag > environment > config file > default.
 */
import type { Command } from 'commander';
import {
  resolveSettings,
  type ResolvedSettings,
  type SettingKey,
} from '../core/settings.js';
import { ExitCode, QciError } from '../core/errors.js';
import { readConfigFile } from './config-file.js';
import { Ui, type Io } from './ui.js';

export interface CommandContext {
  io: Io;
  ui: Ui;
  json: boolean;
  verbose: boolean;
  settings(
    flags?: Partial<Record<SettingKey, unknown>>,
  ): Promise<ResolvedSettings>;
}

export function contextFor(io: Io, command: Command): CommandContext {
  const globals = command.optsWithGlobals<{
    json?: boolean;
    verbose?: boolean;
  }>();
  const ui = new Ui(io, { verbose: globals.verbose === true });
  return {
    io,
    ui,
    json: globals.json === true,
    verbose: globals.verbose === true,
    async settings(flags = {}) {
      const file = await readConfigFile(io.env);
      const resolved = resolveSettings({
        flags,
        env: io.env,
        ...(file ? { file } : {}),
      });
      for (const [key, source] of Object.entries(resolved.sources)) {
        if (source !== 'default')
          ui.verbose(
            `setting ${key}=${String(resolved.settings[key as SettingKey])} (from ${source})`,
          );
      }
      return resolved;
    },
  };
}

/** An action returns its exit code; `wrap` adapts it to commander and keeps the code for the entry point. */
// biome-ignore lint/suspicious/noExplicitAny: commander passes (args..., options, command)
export type Action = (ctx: CommandContext, ...args: any[]) => Promise<number>;
export type Wrap = (action: Action) => (...args: unknown[]) => Promise<void>;

export function examples(lines: [string, string][]): string {
  const width = Math.max(...lines.map(([cmd]) => cmd.length));
  return `\nExamples:\n${lines.map(([cmd, why]) => `  $ ${cmd.padEnd(width)}  # ${why}`).join('\n')}\n`;
}

/** Commands whose stdout is not qci's data (a shell script, the user's own command) have no JSON form. */
export function refuseJson(ctx: CommandContext, what: string): void {
  if (ctx.json)
    throw new QciError(`--json: ${what}, not JSON`, {
      kind: 'usage',
      exitCode: ExitCode.usage,
      hint: 'run it without --json',
    });
}
