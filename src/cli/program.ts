/**
 * The qci program: global flags, every command, and the one place errors become a message and an exit code.
 */
import { Command, CommanderError, Help } from 'commander';
import { ExitCode, messageOf, QciError, usageError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import {
  contextFor,
  HELP_WIDTH,
  wrapWords,
  type Action,
  type CommandContext,
  type Wrap,
} from './context.js';
import { Ui, type Io } from './ui.js';
import { frontDesk, groupCommands, programHelpAfter } from './help.js';
import { bareBooleanFlags } from './setting-flags.js';
import { registerPullspec } from './commands/pullspec.js';
import { registerRegistries } from './commands/registries.js';
import { registerLogin } from './commands/login.js';
import { registerPull } from './commands/pull.js';
import { registerDoctor } from './commands/doctor.js';
import { registerJobImage } from './commands/job-image.js';
import { registerPromoted } from './commands/promoted.js';
import { registerRewrite } from './commands/rewrite.js';
import { registerSa } from './commands/sa.js';
import { registerPullSecret } from './commands/pull-secret.js';
import { registerInspect } from './commands/inspect.js';
import { registerImages } from './commands/images.js';
import { registerRelease } from './commands/release.js';
import { registerCompletion } from './commands/completion.js';
import { registerExec } from './commands/exec.js';
import { registerVersion } from './commands/version.js';

declare const QCI_VERSION: string;

export { EXIT_CODES_HELP } from './topics/index.js';

/**
 * qci's commands: an optional boolean flag (`--tls-verify [bool]`) takes the next argument only when it
 * is true or false, so `qci pull --tls-verify ocp/4.7:x` pulls ocp/4.7:x (podman's flag takes no value
 * but `=false`; commander's takes any next word).
 */
class QciCommand extends Command {
  override createCommand(name?: string): Command {
    return new QciCommand(name);
  }
  override parseOptions(argv: string[]) {
    return super.parseOptions(bareBooleanFlags(argv, this.options));
  }
}

/**
 * A command qci will not run this time: registered with its name, arguments and description (enough to
 * find it), without its flags, which cost start-up time to build (commander makes an Option of each).
 */
class CommandNotRun extends QciCommand {
  override createCommand(name?: string): Command {
    return new CommandNotRun(name);
  }
  override option(): this {
    return this;
  }
  override requiredOption(): this {
    return this;
  }
  override addOption(): this {
    return this;
  }
}

/**
 * The command `argv` runs, when that is all qci needs built in full; undefined when help, completion or an
 * unknown word needs every command's flags.
 */
export function commandToRun(argv: readonly string[]): string | undefined {
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const word = argv[at];
  if (word === undefined || word === 'completion') return undefined;
  if (argv.slice(0, at).some((a) => a === '-h' || a === '--help'))
    return undefined;
  if (word !== 'help') return word;
  const topic = argv[at + 1];
  return topic !== undefined && !topic.startsWith('-') ? topic : undefined;
}

/** The program; with `only`, the other commands are built without their flags (see commandToRun). */
export function buildProgram(
  io: Io,
  state: { exitCode: number },
  only?: string,
): Command {
  const program = new QciCommand('qci');
  if (only !== undefined)
    program.createCommand = (name?: string) =>
      name === only ? new QciCommand(name) : new CommandNotRun(name);
  configureProgram(program, io);
  program.addHelpText('after', programHelpAfter);
  registerCommands(program, actionWrapper(io, state));
  groupCommands(program);
  // Named by an alias, or not a command at all: then every command is built whole.
  if (
    only !== undefined &&
    !program.commands.some(
      (c) => c.name() === only && !(c instanceof CommandNotRun),
    )
  )
    return buildProgram(io, state);
  return program;
}

/** The program's description, global flags, help layout and output (redacted, errors in red). */
function configureProgram(program: Command, io: Io): void {
  program
    .description(
      'Pull OpenShift CI images from QCI (quay.io/openshift/ci, through quay-proxy.ci.openshift.org) ' +
        'and untangle the registry logins that make pulls fail.',
    )
    .version(QCI_VERSION, '-V, --version', 'print the qci version')
    .option('--json', 'print machine-readable JSON on stdout')
    .option(
      '-v, --verbose',
      'print each external command qci runs (secrets redacted) and where settings came from',
    )
    .helpOption('-h, --help', 'show help for a command')
    .configureHelp({
      // --json and --verbose are the program's: each command's help lists them too.
      showGlobalOptions: true,
      // On a narrow terminal commander stops wrapping and the terminal cuts words: there, the
      // description goes under its option, wrapped between words.
      formatItem(term, termWidth, description, helper) {
        const width = helper.helpWidth ?? HELP_WIDTH;
        if (!description || width - termWidth - 4 >= helper.minWidthToWrap)
          return Help.prototype.formatItem.call(
            helper,
            term,
            termWidth,
            description,
            helper,
          );
        const lines = wrapWords(description, Math.max(width - 6, 20));
        return [`  ${term}`, ...lines.map((l) => `      ${l}`)].join('\n');
      },
    })
    .showSuggestionAfterError(true)
    .configureOutput({
      // Commander echoes argv in its errors (`unknown option '--token=sha256~…'`): redact like all output.
      writeOut: (text) => io.stdout.write(redact(text)),
      writeErr: (text) => io.stderr.write(redact(text)),
      outputError: (text, write) => write(new Ui(io).err.red(redact(text))),
    })
    .exitOverride();
}

/** Runs a command's action with its context and records its exit code. */
function actionWrapper(io: Io, state: { exitCode: number }): Wrap {
  return (action: Action) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      // A path flag given empty (--authfile "" from an unset variable) names no file: said before anything runs.
      const { authfile } = command.opts<{ authfile?: unknown }>();
      if (typeof authfile === 'string' && authfile.trim() === '')
        throw usageError('--authfile needs a path; it was given empty');
      const ctx: CommandContext = contextFor(io, command);
      state.exitCode = await action(ctx, ...args.slice(0, -1));
    };
}

function registerCommands(program: Command, wrap: Wrap): void {
  registerPullspec(program, wrap);
  registerRegistries(program, wrap);
  registerPull(program, wrap);
  registerLogin(program, wrap);
  registerDoctor(program, wrap);
  registerJobImage(program, wrap);
  registerPromoted(program, wrap);
  registerRewrite(program, wrap);
  registerSa(program, wrap);
  registerPullSecret(program, wrap);
  registerInspect(program, wrap);
  registerImages(program, wrap);
  registerRelease(program, wrap);
  registerCompletion(program, wrap);
  registerExec(program, wrap);
  registerVersion(program, wrap);
  // Subcommands inherit the output settings and error handling.
  for (const command of program.commands) {
    command
      .exitOverride()
      .configureOutput(program.configureOutput())
      .showHelpAfterError('(run with --help for usage)');
  }
}

/**
 * `qci help sa token` as `qci sa token --help`: commander's help command takes one word, and showed
 * `qci sa`'s help for it. Only for a command's own subcommand named whole, nothing after it (not a
 * topic, not `help help`, not a line with `--`, whose words are arguments).
 */
function subcommandHelp(program: Command, argv: string[]): string[] {
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const [word, command, sub, ...rest] = argv.slice(at);
  if (word !== 'help' || rest.length > 0 || argv.includes('--')) return argv;
  const parent = program.commands.find((c) => c.name() === command);
  if (!sub || !parent?.commands.some((c) => c.name() === sub)) return argv;
  return [...argv.slice(0, at), command!, sub, '--help'];
}

/** Runs qci with `argv` (without node and script); returns the exit code. Never throws. */
export async function runQci(given: string[], io: Io): Promise<number> {
  const state = { exitCode: ExitCode.ok as number };
  const program = buildProgram(io, state, commandToRun(given));
  const argv = subcommandHelp(program, given);
  try {
    const answered = frontDesk(program, argv, io);
    if (answered !== undefined) return answered;
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (error) {
    return reportError(error, io, argv.includes('--json'));
  }
}

export function reportError(error: unknown, io: Io, json: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed help, the version or the usage message.
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.exitCode === 0
    )
      return ExitCode.ok;
    // Commander has printed the message on stderr; --json callers still get their one document.
    if (json)
      new Ui(io).json({
        error: {
          kind: 'usage',
          message: error.message.replace(/^error: /, ''),
          hint: 'run with --help for usage',
        },
      });
    return ExitCode.usage;
  }
  const ui = new Ui(io);
  if (error instanceof QciError) {
    ui.error(error.message, error.hint);
    if (json)
      ui.json({
        error: {
          kind: error.kind,
          message: error.message,
          hint: error.hint ?? null,
        },
      });
    return error.exitCode;
  }
  // A bug, not a user error: say so plainly, without a stack unless asked.
  const message = messageOf(error);
  ui.error(
    `unexpected error: ${message}`,
    'this is a bug in qci; rerun with QCI_DEBUG=1 for a stack trace and report it',
  );
  if (io.env.QCI_DEBUG && error instanceof Error && error.stack)
    io.stderr.write(`${error.stack}\n`);
  if (json) ui.json({ error: { kind: 'internal', message, hint: null } });
  return ExitCode.failure;
}
