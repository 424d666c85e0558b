/**
 * `--json` means JSON: for every command, whatever happens (success, a failure qci explains, a usage
 * error), stdout is exactly one JSON document. Every command of the program is run; a new command is
 * covered without touching this file (its arguments may need a line in ARGS).
 */
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, qci, quietProgram } from '../helpers/cli.js';
import { expectKnownKinds } from '../helpers/error-kinds.js';

function leaves(command: Command, path: string[] = []): string[][] {
  const subs = command.commands.filter((c) => c.name() !== 'help');
  if (subs.length === 0) return [path];
  return subs.flatMap((c) => leaves(c, [...path, c.name()]));
}

const program = quietProgram();
const COMMANDS = leaves(program).map((p) => p.join(' '));

/** One JSON document and nothing else (a second document or a stray line fails JSON.parse). */
function parseOne(stdout: string): unknown {
  expect(stdout.trim(), 'stdout is empty').not.toBe('');
  return JSON.parse(stdout);
}

const SEEN = new Set<string>();

/** Arguments that get each command past its parser; without a kubeconfig or engine login most then fail. */
function argsFor(command: string, dir: string): string[][] {
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    'images:\n- from: src\n  to: my-component\npromotion:\n  to:\n  - namespace: ocp\n    name: "4.7"\n',
  );
  const log = join(dir, 'build-log.txt');
  writeFileSync(
    log,
    '2020/11/20 14:12:28 Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-2c2tvgti\n',
  );
  mkdirSync(join(dir, 'tree'), { recursive: true });
  writeFileSync(
    join(dir, 'tree', 'Dockerfile'),
    'FROM registry.ci.openshift.org/ocp/4.7:base\n',
  );
  const table: Record<string, string[][]> = {
    pullspec: [['ocp/4.7:cli'], ['ocp/4.7:cli', 'Bad/Ref:x', 'ocp/4.7:a']],
    registries: [[]],
    pull: [['ocp/4.7:cli'], ['ocp/4.7:cli', 'ocp/4.7:a'], ['Bad/Ref:x']],
    login: [[]],
    logout: [[], ['--dry-run']],
    whoami: [[]],
    doctor: [
      ['--timeout', '2'],
      ['--explain', 'manifest unknown'],
    ],
    'job-image': [[log], [join(dir, 'missing.txt')]],
    promoted: [[config], [join(dir, 'missing.yaml')]],
    rewrite: [[join(dir, 'tree')], ['--check', join(dir, 'tree')]],
    'sa init': [['--project', 'my-project', '--admins', 'a']],
    'sa token': [['--project', 'my-project']],
    inspect: [['ocp/4.7:cli', '--timeout', '1']],
    completion: [['bash']],
    exec: [['--', 'true']],
  };
  return table[command] ?? [[]];
}

describe('--json means JSON', () => {
  it('the program has the commands this test knows how to call', () => {
    expect(COMMANDS).toEqual(
      expect.arrayContaining(['pull', 'login', 'whoami', 'doctor', 'exec']),
    );
  });

  for (const command of COMMANDS) {
    it(`qci ${command} --json: one JSON document on stdout, on every path`, async () => {
      const env = isolatedEnv({
        // Nothing to reach: an app.ci and a registry that refuse at once.
        QCI_REGISTRY: '127.0.0.1:9',
      });
      const dir = env.HOME!;
      for (const args of argsFor(command, dir)) {
        const r = await qci([...command.split(' '), '--json', ...args], {
          env,
        });
        const value = parseOne(r.stdout) as Record<string, unknown>;
        if (r.code !== 0 && !Array.isArray(value))
          expect(Object.keys(value).length).toBeGreaterThan(0);
        for (const kind of expectKnownKinds(value, r.code)) SEEN.add(kind);
      }
    }, 60_000);
  }

  it('the commands above met several error kinds, all in the table', () => {
    expect(SEEN.size).toBeGreaterThanOrEqual(3);
  });

  it('a usage error is a JSON document too', async () => {
    for (const argv of [
      ['pull', '--json'],
      ['pull', '--json', '--no-such-flag', 'ocp/4.7:cli'],
      ['--json', 'no-such-command'],
    ]) {
      const r = await qci(argv);
      expect(r.code).toBe(2);
      const value = parseOne(r.stdout) as { error: { kind: string } };
      expect(value.error.kind).toBe('usage');
      expectKnownKinds(value, r.code);
    }
  });
});
