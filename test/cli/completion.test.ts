/**
 * qci completion: the scripts are generated from the program, so every command and every long option of
 * every command must be in each; bash's (and, where installed, zsh's and fish's) must parse; and bash's and
 * fish's must actually complete, checked by running the shells.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { which } from '../e2e/testbed/tools.js';
import { qci, quietProgram } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('qci-completion-');
const scripts: Record<string, string> = {};
const file = (shell: string) => join(dir, `qci.${shell}`);

/** Every command of the real program, with its path and long options (help included). */
function commands(): { path: string[]; longs: string[] }[] {
  const program = quietProgram();
  const out: { path: string[]; longs: string[] }[] = [];
  const walk = (c: Command, path: string[]) => {
    for (const sub of c.commands) {
      const p = [...path, sub.name()];
      out.push({
        path: p,
        longs: [
          ...sub.options
            .filter((o) => !o.hidden)
            .map((o) => o.long)
            .filter((l): l is string => !!l),
          '--help',
        ],
      });
      walk(sub, p);
    }
  };
  walk(program, []);
  return out;
}

function run(cmd: string, args: string[], input?: string) {
  const r = spawnSync(cmd, args, {
    input,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_DATA_HOME: join(dir, 'data'),
    },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await qci(['completion', shell]);
    expect(r.code, r.stderr).toBe(0);
    scripts[shell] = r.stdout;
    writeFileSync(file(shell), r.stdout);
  }
});

describe('qci completion', () => {
  const all = commands();

  it('knows the commands this issue adds, nested ones included', () => {
    const paths = all.map((c) => c.path.join(' '));
    expect(paths).toEqual(
      expect.arrayContaining([
        'sa',
        'sa init',
        'sa token',
        'inspect',
        'completion',
        'login',
        'pull',
      ]),
    );
  });

  it.each(['bash', 'zsh', 'fish'])(
    '%s: every command and every long option of every command is in the script',
    (shell) => {
      const script = scripts[shell]!;
      for (const { path, longs } of all) {
        const name = path[path.length - 1]!;
        expect(script, `${shell}: command ${path.join(' ')}`).toMatch(
          new RegExp(`\\b${name.replace(/-/g, '\\-')}\\b`),
        );
        for (const long of longs) {
          // Each option under its own command: bash keys option lists by the command path, zsh has a function
          // per command, fish a condition per command.
          const scoped =
            shell === 'bash'
              ? new RegExp(
                  `'${path.join(' ')}'\\) echo '(?:[^']*\\s)?${long}(\\s|')`,
                )
              : shell === 'zsh'
                ? new RegExp(
                    `_qci_${path.join('_').replace(/-/g, '_')}\\(\\) \\{[^}]*'(\\([^)]*\\))?${long}[=\\[]`,
                  )
                : new RegExp(
                    `-n '__qci_at \\\\'qci ${path.join(' ')}\\\\'' .*-l ${long.slice(2)}( |$)`,
                    'm',
                  );
          expect(script, `${shell}: ${path.join(' ')} ${long}`).toMatch(scoped);
        }
      }
    },
  );

  it('bash: the script is valid (bash -n)', () => {
    const r = run('bash', ['-n', file('bash')]);
    expect(r.code, r.stderr).toBe(0);
  });

  it.skipIf(!which('zsh'))(
    'zsh: the script is valid (zsh -n) and, sourced after compinit, registers _qci for qci',
    () => {
      const r = run('zsh', ['-n', file('zsh')]);
      expect(r.code, r.stderr).toBe(0);
      const loaded = run('zsh', [
        '-f',
        '-c',
        `autoload -Uz compinit; compinit -u -D -d ${JSON.stringify(join(dir, 'zcompdump'))}; source ${JSON.stringify(file('zsh'))}; print -r -- $_comps[qci]`,
      ]);
      expect(loaded.stderr).toBe('');
      expect(loaded.stdout.trim()).toBe('_qci');
    },
  );

  it.skipIf(!which('fish'))('fish: the script is valid (fish -n)', () => {
    const r = run('fish', ['-n', file('fish')]);
    expect(r.code, r.stderr).toBe(0);
  });

  /** What bash completes for the words typed so far (the last one is being completed). */
  function bashComplete(...words: string[]): string[] {
    const body = `source ${JSON.stringify(file('bash'))}
COMP_WORDS=(${['qci', ...words].map((w) => `'${w}'`).join(' ')})
COMP_CWORD=${words.length}
_qci
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = run('bash', ['--norc', '--noprofile', '-c', body]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.split('\n').filter(Boolean);
  }

  it('bash: completes commands, nested commands, options per command, option values and choices', () => {
    expect(bashComplete('')).toEqual(
      expect.arrayContaining([
        'pullspec',
        'sa',
        'inspect',
        'completion',
        'login',
        'status',
      ]),
    );
    expect(bashComplete('in')).toEqual(['inspect']);
    expect(bashComplete('sa', '')).toEqual(['init', 'token', 'help']);
    expect(bashComplete('sa', 'to')).toEqual(['token']);
    expect(bashComplete('sa', 'token', '--')).toEqual(
      expect.arrayContaining([
        '--project',
        '--name',
        '--duration',
        '--output',
        '--show',
        '--context',
        '--json',
        '--help',
      ]),
    );
    // After an option that takes a value, the path still resolves.
    expect(
      bashComplete('--json', 'sa', 'token', '--project', 'p', '--d'),
    ).toEqual(['--duration']);
    expect(bashComplete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
    expect(bashComplete('completion', 'z')).toEqual(['zsh']);
    expect(bashComplete('inspect', '--tls-verify', '')).toEqual([
      'true',
      'false',
    ]);
    // Free words with usual values: the engines, and the platforms the release controllers build.
    expect(bashComplete('pull', '--engine', '')).toEqual([
      'podman',
      'docker',
      'auto',
    ]);
    expect(bashComplete('pull', '--platform', 'linux/a')).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
    expect(bashComplete('status', '--c')).toEqual(['--context']); // an alias completes like its command
    expect(bashComplete('help', 'in')).toEqual(['inspect']);
    expect(bashComplete('help', 'cred')).toEqual(['credentials']); // a topic
    expect(bashComplete('sa', 'help', 'cred')).toEqual([]); // only the program's help has topics
    // --output=FILE: bash splits at "=", the value is still completed (file names here).
    writeFileSync(join(dir, 'my-project.token'), '');
    expect(
      bashComplete('sa', 'token', '--output', '=', join(dir, 'my-proj')),
    ).toEqual([join(dir, 'my-project.token')]);
    expect(bashComplete('login', '--token-file', join(dir, 'my-proj'))).toEqual(
      [join(dir, 'my-project.token')],
    );
  });

  /** What fish completes for a command line (fish runs `complete -C` without a terminal). */
  function fishComplete(line: string): string[] {
    const r = run('fish', [
      '--no-config',
      '-c',
      `source ${JSON.stringify(file('fish'))}; complete -C ${JSON.stringify(line)}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]!);
  }

  it.skipIf(!which('fish'))(
    'fish: completes commands, nested commands, options and choices',
    () => {
      expect(fishComplete('qci ')).toEqual(
        expect.arrayContaining(['pullspec', 'sa', 'inspect', 'completion']),
      );
      expect(fishComplete('qci sa ')).toEqual(
        expect.arrayContaining(['init', 'token']),
      );
      expect(fishComplete('qci sa ')).not.toContain('pullspec');
      expect(fishComplete('qci sa token --')).toEqual(
        expect.arrayContaining([
          '--project',
          '--duration',
          '--output',
          '--show',
        ]),
      );
      expect(fishComplete('qci --json sa token --project p --d')).toEqual([
        '--duration',
      ]);
      expect(fishComplete('qci completion ').sort()).toEqual([
        'bash',
        'fish',
        'zsh',
      ]);
      expect(fishComplete('qci status --c')).toEqual(['--context']);
    },
  );

  it('an unknown shell is a usage error naming the choices', async () => {
    const r = await qci(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bash, zsh, fish');
    expect(r.stdout).toBe('');
  });
});
