/** The pure rules behind the first-ten-minutes manners: close matches, the meant reference, [bool] flags. */
import { describe, expect, it } from 'vitest';
import { quietProgram } from '../helpers/cli.js';
import type { Command } from 'commander';
import { referenceMeant } from '../../src/core/reference.js';
import { bareBooleanFlags } from '../../src/cli/setting-flags.js';
import { closeMatches, editDistance } from '../../src/cli/suggest.js';

const COMMANDS = [
  'pull',
  'pullspec',
  'login',
  'logout',
  'inspect',
  'sa',
  'whoami',
  'status',
];

describe('close matches', () => {
  it.each([
    ['pul', ['pull', 'pullspec']],
    ['pulll', ['pull']],
    ['pulspec', ['pullspec']],
    ['logni', ['login']],
    ['inspcet', ['inspect']],
    ['log', ['login', 'logout']],
    ['stauts', ['status']],
    ['push', []],
    ['ls', []],
    ['rm', []],
    ['get', []],
  ])('%s → %j', (typed, expected) => {
    expect(closeMatches(typed, COMMANDS)).toEqual(expected);
  });

  it.each([
    ['', '', 0],
    ['pull', 'pull', 0],
    ['pul', 'pull', 1],
    ['ab', 'ba', 1],
    ['push', 'pull', 2],
  ])('editDistance(%s, %s) = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
});

describe('the reference meant', () => {
  it.each([
    ['ocp/4.7/my-component', 'ocp/4.7:my-component'],
    [
      'registry.ci.openshift.org/ocp/4.7/cli',
      'registry.ci.openshift.org/ocp/4.7:cli',
    ],
    ['quay.io/openshift/ci/ocp_4.7_cli', 'quay.io/openshift/ci:ocp_4.7_cli'],
    ['ocp/4.7:my-component', null], // nothing to mean: it parses as it is (and has its colon)
    ['ocp/my-component', null], // ocp:my-component is no reference either
    ['ocp/4.7/my-component@sha256:abc', null],
    ['my-component', null],
    // A QCI tag alone, back to NS/NAME:TAG; more than two "_" is not guessed at.
    ['ocp_4.7_my-component', 'ocp/4.7:my-component'],
    ['ocp_4.7_my_component', null],
    // A URL as parseReference reads it: without its scheme.
    ['https://ocp/4.7/cli', 'ocp/4.7:cli'],
    ['HTTPS://ocp_4.7_cli', 'ocp/4.7:cli'],
  ])('%s → %s', (input, meant) => {
    expect(referenceMeant(input)).toBe(meant);
  });
});

describe('optional boolean flags', () => {
  const options = quietProgram().commands.find(
    (c) => c.name() === 'pull',
  )!.options;

  it.each([
    [
      ['--tls-verify', 'ocp/4.7:x'],
      ['--tls-verify=true', 'ocp/4.7:x'],
    ],
    [['--tls-verify'], ['--tls-verify=true']],
    [
      ['--tls-verify', '--quiet'],
      ['--tls-verify=true', '--quiet'],
    ],
    [
      ['--tls-verify', 'false', 'r'],
      ['--tls-verify', 'false', 'r'],
    ],
    [
      ['--tls-verify', 'True', 'r'],
      ['--tls-verify', 'True', 'r'],
    ],
    [
      ['--tls-verify=0', 'r'],
      ['--tls-verify=0', 'r'],
    ],
    [
      ['--', '--tls-verify', 'r'],
      ['--', '--tls-verify', 'r'],
    ],
  ])('%j reads as %j', (argv, expected) => {
    expect(bareBooleanFlags(argv, options)).toEqual(expected);
  });

  it('every flag with an optional value in the program is a [bool] flag, which the rule covers', () => {
    const walk = (c: Command): string[] => [
      ...c.options.filter((o) => o.optional && !o.hidden).map((o) => o.flags),
      ...c.commands.flatMap(walk),
    ];
    const program = quietProgram();
    const flags = walk(program);
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((f) => !f.endsWith(' [bool]'))).toEqual([]);
  });
});
