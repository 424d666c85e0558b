/**
 * What a command action gets: the streams, a Ui for printing, the global flags, and settings
 * resolved once from flag > environment > config file > default.
 */
import type { Command } from 'commander';
import {
  settingsFrom,
  type ResolvedSettings,
  type SettingKey,
} from '../core/settings.js';
import { QciError } from '../core/errors.js';
import { readConfigFile } from './config-file.js';
import { Ui, type Io } from './ui.js';
import { wrapLine } from './wrap.js';

export interface CommandContext {
  io: Io;
  ui: Ui;
  json: boolean;
  verbose: boolean;
  settings(
    flags?: Partial<Record<SettingKey, unknown>>,
  ): Promise<ResolvedSettings>;
  /** The config file, read and parsed once per command (warming app.ci's connections reads it too). */
  configFile(): ReturnType<typeof readConfigFile>;
}

export function contextFor(io: Io, command: Command): CommandContext {
  const globals = command.optsWithGlobals<{
    json?: boolean;
    verbose?: boolean;
  }>();
  const ui = new Ui(io, { verbose: globals.verbose === true });
  let read: ReturnType<typeof readConfigFile> | undefined;
  const configFile = () => {
    read ??= readConfigFile(io.env);
    return read;
  };
  return {
    io,
    ui,
    json: globals.json === true,
    verbose: globals.verbose === true,
    configFile,
    async settings(flags = {}) {
      const file = await configFile();
      const resolved = await settingsFrom({
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

/** Help lines end by 80 columns, broken between words (commander wraps its own parts the same way). */
export const HELP_WIDTH = 80;

/** `text` in lines of at most `width` characters, broken at spaces; each line after the first gets `indent`. */
export function wrapWords(text: string, width: number, indent = ''): string[] {
  const words = text.split(/\s+/).filter(Boolean).join(' ');
  if (words === '') return [];
  return wrapLine(words, width, indent.length);
}

/**
 * Examples as `$ command  # why` in one aligned column when every line fits 80 columns; otherwise kubectl's
 * layout, the why as a comment above each command, long commands continued with a backslash. Laid out
 * when help is shown, not at every start (commander's addHelpText takes the function).
 */
export function examples(lines: [string, string][], after = ''): () => string {
  return () => formatExamples(lines) + after;
}

function formatExamples(lines: [string, string][]): string {
  const width = Math.max(...lines.map(([cmd]) => cmd.length));
  const aligned = lines.map(
    ([cmd, why]) => `  $ ${cmd.padEnd(width)}  # ${why}`,
  );
  if (aligned.every((l) => [...l].length <= HELP_WIDTH))
    return `\nExamples:\n${aligned.join('\n')}\n`;
  const blocks = lines.map(([cmd, why]) => {
    const comment = wrapWords(why, HELP_WIDTH - 4).map((l) => `  # ${l}`);
    const command = wrapWords(cmd, HELP_WIDTH - 6, '      ');
    const shown = command.map((l, i) =>
      i === 0
        ? `  $ ${l}${command.length > 1 ? ' \\' : ''}`
        : `${l}${i < command.length - 1 ? ' \\' : ''}`,
    );
    return [...comment, ...shown].join('\n');
  });
  return `\nExamples:\n${blocks.join('\n\n')}\n`;
}

/** Commands whose stdout is not qci's data (a shell script, the user's own command) have no JSON form. */
export function refuseJson(ctx: CommandContext, what: string): void {
  if (ctx.json)
    throw new QciError(`--json: ${what}, not JSON`, {
      kind: 'usage',
      hint: 'run it without --json',
    });
}

/**
 * An action whose module loads when its command runs: src/cli/actions/<verb>.ts stays out of the start-up
 * bundle (bin/build.mjs puts what is only imported dynamically in qci-impl.cjs), so the commands not run
 * cost only their flags and help.
 */
export function lazyAction<M>(
  load: () => Promise<M>,
  pick: (module: M) => Action,
): Action {
  return async (ctx, ...args) => pick(await load())(ctx, ...args);
}
