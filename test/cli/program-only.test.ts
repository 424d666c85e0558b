/**
 * Start-up builds only the command it runs in full (program.ts commandToRun): that command must come
 * out exactly as in the full program, and everything that needs the others' flags gets them.
 */
import { describe, expect, it } from 'vitest';
import { quietProgram } from '../helpers/cli.js';
import type { Command } from 'commander';
import { commandToRun } from '../../src/cli/program.js';

const build = quietProgram;

/** Every flag of a command and its subcommands, as `path: --flag`. */
function flags(command: Command, path = command.name()): string[] {
  return [
    ...command.options.map((o) => `${path}: ${o.flags}`),
    ...command.commands.flatMap((c) => flags(c, `${path} ${c.name()}`)),
  ];
}

const full = build();
const names = full.commands.map((c) => c.name());

describe('the program built for one command', () => {
  it.each(names)('%s has every flag it has in the full program', (name) => {
    const only = build(name);
    const mine = only.commands.find((c) => c.name() === name)!;
    const whole = full.commands.find((c) => c.name() === name)!;
    expect(flags(mine)).toEqual(flags(whole));
    // the program's own flags too
    expect(only.options.map((o) => o.flags)).toEqual(
      full.options.map((o) => o.flags),
    );
  });

  it('lists the same commands, and an alias or an unknown word gets the full program', () => {
    const light = build('pullspec');
    expect(light.commands.map((c) => c.name())).toEqual(names);
    // (what start-up saves: the commands not run carry no flags)
    expect(flags(light.commands.find((c) => c.name() === 'login')!)).toEqual(
      [],
    );
    for (const word of ['status', 'nosuch'])
      expect(flags(build(word))).toEqual(flags(full));
  });

  it.each([
    [['pullspec', 'ocp/4.7:x'], 'pullspec'],
    [['--json', 'whoami'], 'whoami'],
    [['-v', 'sa', 'token', '--project', 'p'], 'sa'],
    [['help', 'login'], 'login'],
    [['help'], undefined],
    [['--help'], undefined],
    [['-h', 'pull'], undefined],
    [['pull', '--help'], 'pull'],
    [['completion', 'bash'], undefined],
    [[], undefined],
  ])('argv %j runs %s', (argv, expected) => {
    expect(commandToRun(argv)).toBe(expected);
  });
});
