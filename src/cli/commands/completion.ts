import { Argument, type Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import {
  examples,
  refuseJson,
  type CommandContext,
  type Wrap,
} from '../context.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

export function registerCompletion(program: Command, wrap: Wrap): void {
  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh or fish)')
    .description(
      'Print a completion script for bash, zsh or fish, generated from qci itself: every command and option, with option ' +
        'values (choices, file names) completed too. Load it once per shell session, or install it where the shell looks.',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      examples([
        [
          'qci completion bash > ~/.local/share/bash-completion/completions/qci',
          'bash, for every new shell',
        ],
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
      wrap(async (ctx: CommandContext, shell: (typeof SHELLS)[number]) => {
        refuseJson(ctx, 'qci completion prints a shell script');
        const { completionScript } = await import('../completion.js');
        // The whole program, from the root: completion covers every command, this one included.
        let root = program;
        while (root.parent) root = root.parent;
        ctx.io.stdout.write(completionScript(shell, root));
        return ExitCode.ok;
      }),
    );
}
