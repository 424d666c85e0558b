import { Argument, type Command } from 'commander';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ExitCode } from '../../core/errors.js';
import { tildify } from '../../core/paths.js';
import {
  examples,
  refuseJson,
  type CommandContext,
  type Wrap,
} from '../context.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** Where each shell looks for a user's completions without any setup (zsh: one fpath line). */
function installPath(shell: Shell, env: Record<string, string | undefined>) {
  const home = env.HOME || homedir();
  const data = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const config = env.XDG_CONFIG_HOME || join(home, '.config');
  return {
    bash: join(data, 'bash-completion', 'completions', 'qci'),
    zsh: join(data, 'zsh', 'site-functions', '_qci'),
    fish: join(config, 'fish', 'completions', 'qci.fish'),
  }[shell];
}

export function registerCompletion(program: Command, wrap: Wrap): void {
  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh or fish)')
    .description(
      'Print a completion script for bash, zsh or fish, generated from qci itself: every command and option, with option ' +
        'values (choices, file names) completed too. Load it once per shell session, or install it where the shell looks.',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .option(
      '--install',
      'write it where the shell finds it (the directories are created), instead of printing it',
    )
    .addHelpText(
      'after',
      examples([
        ['qci completion bash --install', 'bash, for every new shell'],
        ['qci completion fish --install', 'fish, for every new shell'],
        [
          "echo 'source <(qci completion bash)' >> ~/.bashrc",
          'bash, without bash-completion',
        ],
        [
          'qci completion zsh > "${fpath[1]}/_qci"',
          'zsh (then start a new shell)',
        ],
        ['qci completion fish > ~/.config/fish/completions/qci.fish', 'fish'],
      ]),
    )
    .action(
      wrap(
        async (
          ctx: CommandContext,
          shell: Shell,
          options: { install?: boolean },
        ) => {
          // Printed, the script is stdout; installed, --json describes where it went.
          if (!options.install)
            refuseJson(ctx, 'qci completion prints a shell script');
          const { completionScript } = await import('../completion.js');
          // The whole program, from the root: completion covers every command, this one included.
          let root = program;
          while (root.parent) root = root.parent;
          const script = completionScript(shell, root);
          if (!options.install) {
            ctx.io.stdout.write(script);
            return ExitCode.ok;
          }
          const path = installPath(shell, ctx.io.env);
          const { mkdir } = await import('node:fs/promises');
          const { writeFileAtomic } = await import(
            '../../auth/atomic-write.js'
          );
          await mkdir(dirname(path), { recursive: true });
          await writeFileAtomic(path, script, 0o644);
          if (ctx.json) ctx.ui.json({ shell, path });
          const home = ctx.io.env.HOME || homedir();
          ctx.ui.info(
            `installed the ${shell} completion in ${tildify(path, home)}`,
          );
          ctx.ui.info(
            {
              bash: '  new bash shells load it (with the bash-completion package, as most distributions have)',
              zsh: `  add this line before compinit in ~/.zshrc, then start a new shell:\n  fpath=(${tildify(dirname(path), home)} $fpath)`,
              fish: '  new fish shells load it',
            }[shell],
          );
          return ExitCode.ok;
        },
      ),
    );
}
