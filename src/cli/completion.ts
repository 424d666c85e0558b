/**
 * Shell completion scripts generated from the commander program itself: every command (nested ones and
 * aliases too), every option, option values (choices, files) and positional choices, so a new command or
 * flag is completed without touching this file. Pure: a Command in, a script out.
 */
import { ARCHITECTURES } from '../core/architectures.js';
import { ENGINES } from '../core/engine-settings.js';
import type { Command, Option } from 'commander';
import { TOPICS } from './topics/index.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface OptionSpec {
  long: string | null;
  short: string | null;
  value: 'none' | 'required' | 'optional';
  choices: string[] | null;
  /** Complete the value with file (or directory) names. */
  files: 'file' | 'dir' | null;
  description: string;
}

export interface ArgumentSpec {
  name: string;
  variadic: boolean;
  choices: string[] | null;
}

export interface CommandSpec {
  /** Names from the root down; [] for the program. */
  path: string[];
  name: string;
  aliases: string[];
  summary: string;
  options: OptionSpec[];
  args: ArgumentSpec[];
  subcommands: CommandSpec[];
}

const HELP: OptionSpec = {
  long: '--help',
  short: '-h',
  value: 'none',
  choices: null,
  files: null,
  description: 'show help for a command',
};

/** A one-line description without characters that need quoting in any of the three shells. */
function clean(text: string): string {
  const first = text.replace(/\s*\([^()]*\)/g, '').split(/;|\. /)[0] ?? '';
  const line = first
    .replace(/'/g, '\u2019')
    .replace(/[\n\r\t]+/g, ' ')
    .replace(/[`"$\\[\]:{}]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > 70 ? `${line.slice(0, 69).trimEnd()}…` : line;
}

/** Values to offer where a flag takes a free word but a few are usual (settings check what is given). */
const USUAL: Record<string, readonly string[]> = {
  '--engine': ENGINES,
  '--platform': ARCHITECTURES.filter((a) => a !== 'multi').map(
    (a) => `linux/${a}`,
  ),
};

function optionSpec(option: Option): OptionSpec {
  const placeholder = /<([^>]+)>|\[([^\]]+)\]/.exec(option.flags);
  const name = (placeholder?.[1] ?? placeholder?.[2] ?? '').toLowerCase();
  return {
    long: option.long ?? null,
    short: option.short ?? null,
    value: option.required ? 'required' : option.optional ? 'optional' : 'none',
    choices:
      option.argChoices ??
      (USUAL[option.long ?? ''] ? [...USUAL[option.long ?? '']!] : null) ??
      (name === 'bool' ? ['true', 'false'] : null),
    files: /^(dir|directory)$/.test(name)
      ? 'dir'
      : /^(path|file|config)$/.test(name)
        ? 'file'
        : null,
    description: clean(option.description),
  };
}

/** The program as data: what every script is generated from. */
export function commandTree(program: Command): CommandSpec {
  const globals = program.options
    .filter((o) => !o.hidden && o.long !== '--version')
    .map(optionSpec);
  const walk = (command: Command, path: string[]): CommandSpec => {
    const visible = command.commands.filter(
      (c) => !(c as unknown as { _hidden?: boolean })._hidden,
    );
    const subcommands = visible.map((c) => walk(c, [...path, c.name()]));
    if (subcommands.length > 0) {
      // commander answers `help [command]` wherever there are subcommands.
      subcommands.push({
        path: [...path, 'help'],
        name: 'help',
        aliases: [],
        summary: 'show help for a command',
        options: [HELP],
        args: [
          {
            name: 'command',
            variadic: false,
            // The program's help also takes a topic (qci help credentials).
            choices: [
              ...visible.map((c) => c.name()),
              ...(path.length === 0 ? TOPICS.map((t) => t.name) : []),
            ],
          },
        ],
        subcommands: [],
      });
    }
    const own = command.options.filter((o) => !o.hidden).map(optionSpec);
    const options =
      path.length === 0
        ? own
        : [
            ...own,
            ...globals.filter((g) => !own.some((o) => o.long === g.long)),
          ];
    return {
      path,
      name: path.length === 0 ? command.name() : path[path.length - 1]!,
      aliases: command.aliases(),
      summary: clean(command.summary() || command.description()),
      options: [...options, HELP],
      args: command.registeredArguments.map((a) => ({
        name: a.name(),
        variadic: a.variadic,
        choices: a.argChoices ?? null,
      })),
      subcommands,
    };
  };
  return walk(program, []);
}

function all(spec: CommandSpec): CommandSpec[] {
  return [spec, ...spec.subcommands.flatMap(all)];
}

const flags = (o: OptionSpec) =>
  [o.short, o.long].filter((f): f is string => f !== null);
const names = (c: CommandSpec) => [c.name, ...c.aliases];
/** A command's completion key: its path, aliases resolved to the command's own name. */
const key = (c: CommandSpec) => c.path.join(' ');

// ---- bash -----------------------------------------------------------------------------------------------

export function bashScript(program: Command): string {
  const root = commandTree(program);
  const bin = root.name;
  const fn = `_${bin.replace(/\W/g, '_')}`;
  const commands = all(root);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cases = (rows: [string, string][]) =>
    rows
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `    ${q(k)}) echo ${q(v)} ;;`)
      .join('\n');
  // Aliases lead to the same key: `status` completes like `whoami`.
  const aliasRows: [string, string][] = commands.flatMap((c) =>
    c.aliases.map(
      (a) =>
        [[...c.path.slice(0, -1), a].join(' '), key(c)] as [string, string],
    ),
  );
  const valueOf = (o: OptionSpec) =>
    o.choices
      ? o.choices.join(' ')
      : o.files === 'dir'
        ? ':dir'
        : o.files === 'file'
          ? ':file'
          : ':none';
  const argOf = (c: CommandSpec) => {
    const arg = c.args[0];
    return arg ? (arg.choices ? arg.choices.join(' ') : ':file') : '';
  };
  return `# bash completion for ${bin}, generated by \`${bin} completion bash\` from the program's own commands and options.
# Install: ${bin} completion bash > ~/.local/share/bash-completion/completions/${bin}
#      or: echo 'source <(${bin} completion bash)' >> ~/.bashrc

${fn}_key() {
  case "$1" in
${cases(aliasRows)}
    *) echo "$1" ;;
  esac
}

${fn}_subcommands() {
  case "$1" in
${cases(commands.map((c) => [key(c), c.subcommands.flatMap(names).join(' ')]))}
  esac
}

${fn}_options() {
  case "$1" in
${cases(commands.map((c) => [key(c), c.options.flatMap(flags).join(' ')]))}
  esac
}

# Options whose value is the next word.
${fn}_value_options() {
  case "$1" in
${cases(
  commands.map((c) => [
    key(c),
    c.options
      .filter((o) => o.value === 'required')
      .flatMap(flags)
      .join(' '),
  ]),
)}
  esac
}

# An option's values: a word list, :file, :dir or :none.
${fn}_option_values() {
  case "$1 $2" in
${cases(commands.flatMap((c) => c.options.filter((o) => o.value !== 'none').flatMap((o) => flags(o).map((f) => [`${key(c)} ${f}`.trim(), valueOf(o)] as [string, string]))))}
    *) echo ':none' ;;
  esac
}

# Positional arguments: a word list, or :file.
${fn}_arguments() {
  case "$1" in
${cases(commands.map((c) => [key(c), argOf(c)]))}
  esac
}

${fn}_reply() {
  local values="$1" cur="$2"
  case "$values" in
    :file) compopt -o filenames 2>/dev/null; COMPREPLY=( $(compgen -f -- "$cur") ) ;;
    :dir) compopt -o filenames 2>/dev/null; COMPREPLY=( $(compgen -d -- "$cur") ) ;;
    :none|'') COMPREPLY=() ;;
    *) COMPREPLY=( $(compgen -W "$values" -- "$cur") ) ;;
  esac
}

${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev='' path='' w i skip=0 subs
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for (( i = 1; i < COMP_CWORD; i++ )); do
    w="\${COMP_WORDS[i]}"
    if (( skip )); then skip=0; continue; fi
    case "$w" in
      =) skip=1; continue ;;
      -*)
        if [[ " $(${fn}_value_options "$path") " == *" $w "* && "\${COMP_WORDS[i+1]}" != "=" ]]; then skip=1; fi
        continue ;;
    esac
    subs=" $(${fn}_subcommands "$path") "
    if [[ "$subs" == *" $w "* ]]; then path="$(${fn}_key "\${path:+$path }$w")"; fi
  done
  # --option=value (bash splits at "=")
  if [[ "$cur" == "=" ]]; then ${fn}_reply "$(${fn}_option_values "$path" "$prev")" ''; return; fi
  if [[ "$prev" == "=" ]] && (( COMP_CWORD > 1 )); then ${fn}_reply "$(${fn}_option_values "$path" "\${COMP_WORDS[COMP_CWORD-2]}")" "$cur"; return; fi
  if (( skip )); then ${fn}_reply "$(${fn}_option_values "$path" "$prev")" "$cur"; return; fi
  # An option whose value is optional ([bool]): offer its choices.
  if [[ "$prev" == -* && "$cur" != -* ]]; then
    local values; values="$(${fn}_option_values "$path" "$prev")"
    if [[ "$values" != :* ]]; then ${fn}_reply "$values" "$cur"; return; fi
  fi
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$(${fn}_options "$path")" -- "$cur") ); return; fi
  subs="$(${fn}_subcommands "$path")"
  if [[ -n "$subs" ]]; then COMPREPLY=( $(compgen -W "$subs" -- "$cur") ); return; fi
  ${fn}_reply "$(${fn}_arguments "$path")" "$cur"
}

complete -F ${fn} ${bin}
`;
}

// ---- zsh ------------------------------------------------------------------------------------------------

export function zshScript(program: Command): string {
  const root = commandTree(program);
  const bin = root.name;
  const fnName = (c: CommandSpec) =>
    `_${[bin, ...c.path].join('_').replace(/\W/g, '_')}`;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const action = (o: Pick<OptionSpec, 'choices' | 'files'>) =>
    o.choices
      ? `(${o.choices.join(' ')})`
      : o.files === 'dir'
        ? '_files -/'
        : o.files === 'file'
          ? '_files'
          : ' ';
  const optionSpecs = (c: CommandSpec) =>
    c.options.flatMap((o) => {
      const group = flags(o).length > 1 ? `(${flags(o).join(' ')})` : '';
      const value =
        o.value === 'required'
          ? `:${o.long?.replace(/^--/, '') ?? 'value'}:${action(o)}`
          : o.value === 'optional'
            ? `::${o.long?.replace(/^--/, '') ?? 'value'}:${action(o)}`
            : '';
      return flags(o).map((f) =>
        q(
          `${group}${f}${o.value !== 'none' && f.startsWith('--') ? '=' : ''}[${o.description}]${value}`,
        ),
      );
    });
  const describeFn = (c: CommandSpec) => `${fnName(c)}_commands() {
  local -a commands
  commands=(${c.subcommands.flatMap((s) => names(s).map((n) => q(`${n}:${s.summary}`))).join(' ')})
  _describe -t commands ${q(`${[bin, ...c.path].join(' ')} command`)} commands
}`;
  const functions = all(root).map((c) => {
    if (c.subcommands.length > 0) {
      const dispatch = c.subcommands
        .map(
          (s) =>
            `        ${names(s).join('|')}) ${s.name === 'help' ? `${fnName(c)}_commands` : fnName(s)} ;;`,
        )
        .join('\n');
      return `${fnName(c)}() {
  local curcontext="$curcontext" state line
  typeset -A opt_args
  _arguments -C \\
    ${[...optionSpecs(c), q(`1: :${fnName(c)}_commands`), q('*:: :->args')].join(' \\\n    ')}
  case $state in
    args)
      case $line[1] in
${dispatch}
      esac ;;
  esac
}

${describeFn(c)}`;
    }
    const args = c.args.map((a, i) =>
      q(
        `${a.variadic ? '*' : String(i + 1)}:${a.name}:${a.choices ? `(${a.choices.join(' ')})` : '_files'}`,
      ),
    );
    return `${fnName(c)}() {
  _arguments -s \\
    ${[...optionSpecs(c), ...args].join(' \\\n    ')}
}`;
  });
  return `#compdef ${bin}
# zsh completion for ${bin}, generated by \`${bin} completion zsh\` from the program's own commands and options.
# Install: ${bin} completion zsh > "\${fpath[1]}/_${bin}"   (then start a new shell)
#      or: echo 'source <(${bin} completion zsh)' >> ~/.zshrc   (after compinit)

${functions.join('\n\n')}

if [ "$funcstack[1]" = "_${bin}" ]; then
  _${bin} "$@"
else
  compdef _${bin} ${bin}
fi
`;
}

// ---- fish -----------------------------------------------------------------------------------------------

export function fishScript(program: Command): string {
  const root = commandTree(program);
  const bin = root.name;
  const fn = `__${bin.replace(/\W/g, '_')}`;
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const commands = all(root);
  const at = (c: CommandSpec) => `${fn}_at ${q([bin, ...c.path].join(' '))}`;
  const lines: string[] = [];
  for (const c of commands) {
    for (const s of c.subcommands)
      for (const n of names(s))
        lines.push(
          `complete -c ${bin} -n ${q(at(c))} -f -a ${q(n)} -d ${q(s.summary)}`,
        );
    for (const o of c.options) {
      const parts = [`complete -c ${bin} -n ${q(at(c))}`];
      if (o.long) parts.push(`-l ${o.long.replace(/^--/, '')}`);
      if (o.short) parts.push(`-s ${o.short.replace(/^-/, '')}`);
      if (o.value !== 'none') {
        if (o.choices) parts.push(`-x -a ${q(o.choices.join(' '))}`);
        else if (o.files) parts.push(o.value === 'required' ? '-r -F' : '-F');
        else parts.push(o.value === 'required' ? '-x' : '-f');
      }
      parts.push(`-d ${q(o.description)}`);
      lines.push(parts.join(' '));
    }
    const arg = c.args[0];
    if (arg && c.subcommands.length === 0)
      lines.push(
        arg.choices
          ? `complete -c ${bin} -n ${q(at(c))} -f -a ${q(arg.choices.join(' '))}`
          : `complete -c ${bin} -n ${q(at(c))} -F`,
      );
  }
  const caseRows = (rows: [string, string[]][]) =>
    rows
      .filter(([, v]) => v.length > 0)
      .map(
        ([k, v]) =>
          `        case ${q(k)}\n            printf '%s\\n' ${v.map(q).join(' ')}`,
      )
      .join('\n');
  const keyOf = (c: CommandSpec) => [bin, ...c.path].join(' ');
  const aliasRows = commands.flatMap((c) =>
    c.aliases.map(
      (a) => [[bin, ...c.path.slice(0, -1), a].join(' '), keyOf(c)] as const,
    ),
  );
  return `# fish completion for ${bin}, generated by \`${bin} completion fish\` from the program's own commands and options.
# Install: ${bin} completion fish > ~/.config/fish/completions/${bin}.fish

function ${fn}_subcommands
    switch $argv[1]
${caseRows(commands.map((c) => [keyOf(c), c.subcommands.flatMap(names)]))}
    end
end

function ${fn}_value_options
    switch $argv[1]
${caseRows(commands.map((c) => [keyOf(c), c.options.filter((o) => o.value === 'required').flatMap(flags)]))}
    end
end

function ${fn}_key
    switch $argv[1]
${aliasRows.map(([a, k]) => `        case ${q(a)}\n            echo ${q(k)}`).join('\n')}
        case '*'
            echo $argv[1]
    end
end

# The command path typed so far: "${bin}", "${bin} sa", "${bin} sa token", …
function ${fn}_path
    set -l words (commandline -opc)
    set -e words[1]
    set -l path ${bin}
    set -l skip 0
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $w
            case '--*=*'
                continue
            case '-*'
                if contains -- $w (${fn}_value_options "$path")
                    set skip 1
                end
                continue
        end
        if contains -- $w (${fn}_subcommands "$path")
            set path (${fn}_key "$path $w")
        end
    end
    echo $path
end

function ${fn}_at
    test (${fn}_path) = "$argv[1]"
end

complete -c ${bin} -f
${lines.join('\n')}
`;
}

export function completionScript(shell: Shell, program: Command): string {
  return shell === 'bash'
    ? bashScript(program)
    : shell === 'zsh'
      ? zshScript(program)
      : fishScript(program);
}
