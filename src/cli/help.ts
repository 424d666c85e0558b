/**
 * What qci says before a command runs: bare `qci` (and `qci --json`, `qci -v`), `qci help` grouped as gh
 * and oc group theirs, `qci help TOPIC`, `qci help help`, and an unknown command with its close matches.
 */
import type { Command } from 'commander';
import { type QciError, usageError } from '../core/errors.js';
import { examples, HELP_WIDTH, wrapWords } from './context.js';
import { closeMatches } from './suggest.js';
import { renderTopic, TOPICS, topicNamed } from './topics/index.js';
import { Ui, type Io } from './ui.js';

/** The headings of `qci help`, each with its commands in the order shown. */
export const COMMAND_GROUPS: readonly [string, readonly string[]][] = [
  ['Images', ['pull', 'inspect', 'pullspec', 'images', 'release']],
  ['Logins', ['login', 'logout', 'whoami', 'doctor']],
  ['CI jobs and configs', ['job-image', 'promoted', 'rewrite', 'registries']],
  ['Automation', ['sa', 'pull-secret', 'exec', 'completion']],
  ['Other', ['version', 'help']],
];

const HELP_SUMMARY = 'help for a command, or a guide: qci help TOPIC';

/** The flags qci takes without a command; alone, they get what bare `qci` gets. */
const GLOBAL_FLAGS = new Set(['--json', '-v', '--verbose']);

const groupOf = (name: string): number =>
  COMMAND_GROUPS.findIndex(([, names]) => names.includes(name));

/** Puts each command under its heading, in the table's order; help, the last, is commander's own. */
export function groupCommands(program: Command): void {
  const rank = (c: Command) => {
    const group = COMMAND_GROUPS[groupOf(c.name())];
    return group ? groupOf(c.name()) * 100 + group[1].indexOf(c.name()) : 1e4;
  };
  for (const command of program.commands)
    command.helpGroup(
      `${COMMAND_GROUPS[groupOf(command.name())]?.[0] ?? 'Other'}:`,
    );
  (program.commands as Command[]).sort((a, b) => rank(a) - rank(b));
  program
    .commandsGroup('Other:')
    .helpCommand('help [command|topic]', HELP_SUMMARY);
}

/** The end of `qci help`: examples and the guides. */
export function programHelpAfter(): string {
  const width = Math.max(...TOPICS.map((t) => t.name.length));
  return (
    examples([
      ['qci pull ocp/4.7:my-component', 'pull a tag, logging in if needed'],
      ['qci pullspec ocp/4.7:my-component', 'the QCI pull spec of a tag'],
      ['qci login', 'log podman in with your app.ci token'],
      ['qci whoami', 'who you are, what podman will send'],
      ['qci doctor --fix', 'why pulls say "unauthorized"; fixes'],
      ['qci help pullspec', 'help for one command'],
      ['qci help credentials', 'a guide (topics below)'],
    ])() +
    `\nHelp topics (qci help TOPIC):\n${TOPICS.map((t) => `  ${t.name.padEnd(width)}  ${t.summary}`).join('\n')}\n`
  );
}

/** What bare `qci` prints: short enough to read at a glance, wrapped for 80 columns. */
export function overview(): string {
  const rows: [string, string][] = [
    ['qci login --web', 'sign in with the browser, log podman in'],
    ['qci pull ocp/4.7:my-component', 'pull an image stream tag from QCI'],
    ['qci whoami', 'who you are, and what podman sends to QCI'],
    ['qci doctor', 'why a pull says "unauthorized", and fixes'],
    ['qci pullspec ocp/4.7:my-component', 'the QCI pull spec of a tag'],
  ];
  const width = Math.max(...rows.map(([c]) => c.length));
  return [
    'qci pulls OpenShift CI images from QCI (quay.io/openshift/ci, through',
    'quay-proxy.ci.openshift.org) and untangles the registry logins that make',
    'pulls fail.',
    '',
    'Start with:',
    ...rows.map(([c, why]) => `  ${c.padEnd(width)}  ${why}`),
    '',
    'All commands: qci help. One command: qci help COMMAND (or COMMAND --help).',
    `Guides: qci help TOPIC (${TOPICS.map((t) => t.name).join(', ')}).`,
    '',
  ].join('\n');
}

/** `qci --json` without a command: the commands and guides, as `qci help` lists them. */
export function overviewJson(program: Command) {
  const help = {
    name: 'help',
    aliases: [],
    group: 'Other',
    summary: HELP_SUMMARY,
  };
  return {
    commands: [
      ...program.commands.map((c) => ({
        name: c.name(),
        aliases: c.aliases(),
        group: c.helpGroup().replace(/:$/, ''),
        summary: c.summary() || c.description(),
      })),
      help,
    ],
    topics: TOPICS.map((t) => ({ name: t.name, summary: t.summary })),
  };
}

function helpForHelp(): string {
  const lines = wrapWords(
    'Without an argument, the commands by group and the guides. With a command, its usage, flags and ' +
      `examples (as COMMAND --help). With a topic, a guide: ${TOPICS.map((t) => t.name).join(', ')}.`,
    HELP_WIDTH,
  );
  return `Usage: qci help [command|topic]\n\n${lines.join('\n')}\n${examples([
    ['qci help', 'every command, by group'],
    ['qci help pull', 'help for qci pull'],
    ['qci help credentials', 'how podman and docker choose a credential'],
  ])()}`;
}

/**
 * Answers what commander would answer badly or not at all: argv with no command, `qci help TOPIC`,
 * `qci help help`, an unknown command (commander suggests far matches: `push` for pull). Returns the
 * exit code, or undefined to let commander parse.
 */
export function frontDesk(
  program: Command,
  argv: readonly string[],
  io: Io,
): number | undefined {
  if (argv.every((a) => GLOBAL_FLAGS.has(a))) {
    if (argv.includes('--json')) new Ui(io).json(overviewJson(program));
    else io.stdout.write(overview());
    return 0;
  }
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const word = argv[at];
  if (word === undefined) return undefined;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (word !== 'help') {
    if (names.includes(word)) return undefined;
    throw unknown('command', word, names);
  }
  const topic = argv[at + 1];
  if (topic === undefined || topic.startsWith('-') || names.includes(topic))
    return undefined;
  if (topic === 'help') io.stdout.write(helpForHelp());
  else {
    const guide = topicNamed(topic);
    if (!guide)
      throw unknown('command or topic', topic, [
        ...names,
        ...TOPICS.map((t) => t.name),
      ]);
    io.stdout.write(renderTopic(guide));
  }
  return 0;
}

function unknown(what: string, word: string, known: string[]): QciError {
  const close = closeMatches(word, known);
  return usageError(`unknown ${what} '${word}'`, {
    hint:
      close.length > 0
        ? `did you mean ${close.map((c) => `qci ${c}`).join(' or ')}?`
        : 'qci help lists the commands and topics',
  });
}
