/**
 * The first minutes with qci, through the built bin/qci: bare qci, qci version, help for a command that
 * does not exist, a bad fixed choice, help that fits 80 columns (off a terminal and on one), and qci login
 * offering the browser login on a terminal without an app.ci login.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
} from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv } from '../helpers/cli.js';
import { QCI_BIN, hasScript, onPty } from '../helpers/pty.js';
import { tempDir } from '../helpers/temp.js';

const run = (args: string[], env = isolatedEnv()) =>
  spawnSync(process.execPath, [QCI_BIN, ...args], {
    env: env as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });

const width = (line: string) => [...line].length;
const COMMANDS = [
  'pullspec',
  'registries',
  'pull',
  'login',
  'logout',
  'whoami',
  'doctor',
  'job-image',
  'promoted',
  'rewrite',
  'sa',
  'sa init',
  'sa token',
  'pull-secret',
  'inspect',
  'completion',
  'exec',
  'version',
];

describe('first contact', () => {
  it('bare qci: a short overview on stdout, the commands to start with, exit 0', () => {
    const r = run([]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(15);
    for (const command of [
      'login --web',
      'pull',
      'whoami',
      'doctor',
      'pullspec',
    ])
      expect(r.stdout).toContain(`qci ${command}`);
    expect(r.stdout).toContain('qci help');
    for (const line of lines) expect(width(line), line).toBeLessThanOrEqual(80);
  });

  it('qci version: qci, node, podman and docker; --json for scripts; a missing engine is "not installed"', () => {
    const text = run(['version']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^qci +\d+\.\d+\.\d+\n/);
    expect(text.stdout).toContain(`node    ${process.versions.node}`);
    const json = JSON.parse(run(['version', '--json']).stdout);
    expect(Object.keys(json)).toEqual(['qci', 'node', 'podman', 'docker']);
    expect(json.node).toBe(process.versions.node);
    // Without the engines on PATH.
    const bare = tempDir('qci-empty-path-');
    const none = run(['version', '--json'], isolatedEnv({ PATH: bare }));
    expect(JSON.parse(none.stdout)).toMatchObject({
      podman: null,
      docker: null,
    });
    expect(run(['version'], isolatedEnv({ PATH: bare })).stdout).toContain(
      'podman  not installed',
    );
  });

  it('qci help nosuch: unknown command or topic, exit 2, nothing on stdout; qci help login still helps', () => {
    const r = run(['help', 'nosuch']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown command or topic 'nosuch'");
    const ok = run(['help', 'login']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('Usage: qci login');
    expect(run(['help', 'status']).status).toBe(0); // an alias
    // A subcommand's help, as `qci sa token --help` gives it.
    const sub = run(['help', 'sa', 'token']);
    expect(sub.status).toBe(0);
    expect(sub.stdout).toMatch(/^Usage: qci sa token /);
    // Help is all that runs: after "--" the words are arguments, and topics and `help help` stay theirs.
    for (const [args, usage] of [
      [['help', 'pull', '--', 'ocp/4.7:cli'], 'Usage: qci pull '],
      [['help', 'exec', '--', 'ls'], 'Usage: qci exec '],
      [['help', 'credentials', 'x'], 'Usage: qci help credentials'],
      [['help', 'help', 'sa'], 'Usage: qci help '],
    ] as const) {
      const r = run([...args]);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(new RegExp(`^${usage}`));
    }
  });

  it.each([
    [['doctor', '--engine', 'dockr'], 'option --engine "dockr"'],
    [['login', '--engine', 'Podman'], 'option --engine "Podman"'],
  ])('a bad fixed choice lists the choices: %j', (args, head) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${head}: expected one of podman, docker, auto`);
  });

  it('the environment variable gets the same list', () => {
    const r = run(['whoami'], isolatedEnv({ QCI_ENGINE: 'dockr' }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      'QCI_ENGINE=dockr: expected one of podman, docker, auto',
    );
  });

  it('every help fits 80 columns, examples included', () => {
    for (const command of ['', ...COMMANDS]) {
      const r = run([...command.split(' ').filter(Boolean), '--help']);
      expect(r.status, command).toBe(0);
      for (const line of r.stdout.split('\n'))
        expect(width(line), `${command}: ${line}`).toBeLessThanOrEqual(80);
      expect(r.stdout, command).toContain('Examples:');
      // The program's own flags, which every command takes, are in every command's help.
      if (command)
        expect(r.stdout, command).toMatch(
          /Global Options:[\s\S]*--json[\s\S]*--verbose/,
        );
    }
  });

  describe.skipIf(!hasScript())('on a terminal', () => {
    it('help on an 80-column terminal fits, and a 50-column one wraps between words', async () => {
      const wide = await onPty(['login', '--help'], { env: isolatedEnv() });
      expect(wide.code).toBe(0);
      for (const line of wide.output.split('\n'))
        expect(width(line), line).toBeLessThanOrEqual(80);
      const narrow = await onPty(['login', '--help'], {
        env: isolatedEnv(),
        columns: 50,
      });
      // The description's words all arrive whole: wrapping never cut one.
      const words = new Set(narrow.output.split(/\s+/));
      for (const word of 'Log the container engine in to QCI with the token of your app.ci kube context'.split(
        ' ',
      ))
        expect(words, word).toContain(word);
      const options = narrow.output.slice(
        0,
        narrow.output.indexOf('Examples:'),
      );
      // (A single word longer than the terminal, such as a URL, stays whole.)
      for (const line of options.split('\n'))
        if (line.trim().includes(' '))
          expect(width(line), line).toBeLessThanOrEqual(50);
    });

    it('qci login without a kubeconfig offers the browser login; "n" leaves it at the error, nothing written', async () => {
      const env = isolatedEnv();
      const r = await onPty(['login'], { env, input: 'n\n' });
      expect(r.code).toBe(3);
      expect(r.output).toContain(
        'Log in to app.ci in your browser now (qci login --web)? [Y/n]',
      );
      expect(r.output).toContain('no kubeconfig found');
      expect(r.output).toContain('qci login --web');
      expect(existsSync(join(env.HOME!, '.kube'))).toBe(false);
      expect(readdirSync(env.HOME!)).toEqual([]);
    });
  });

  it.each([
    ['bash', '.local/share/bash-completion/completions/qci'],
    ['zsh', '.local/share/zsh/site-functions/_qci'],
    ['fish', '.config/fish/completions/qci.fish'],
  ])('qci completion %s --install works on a fresh home', (shell, path) => {
    const env = isolatedEnv({ XDG_CONFIG_HOME: undefined });
    const r = run(['completion', shell, '--install'], env);
    expect(r.status, r.stderr).toBe(0);
    const file = join(env.HOME!, path);
    expect(readFileSync(file, 'utf8')).toBe(run(['completion', shell]).stdout);
    expect(r.stderr).toContain(
      `installed the ${shell} completion in ~/${path}`,
    );
    if (shell === 'bash') {
      const loaded = spawnSync(
        'bash',
        ['-c', `source ${JSON.stringify(file)} && complete -p qci`],
        { encoding: 'utf8' },
      );
      expect(loaded.status, loaded.stderr).toBe(0);
      expect(loaded.stdout).toContain('qci');
    }
  });

  it('the build run by `npm install -g .` before `npm install` says what to do, without a stack trace', () => {
    // A checkout whose dependencies are not installed: the build script alone, no node_modules above it.
    const checkout = tempDir('qci-fresh-checkout-');
    mkdirSync(join(checkout, 'bin'));
    for (const file of ['bin/build.mjs', 'package.json'])
      copyFileSync(
        fileURLToPath(new URL(`../../${file}`, import.meta.url)),
        join(checkout, file),
      );
    const r = spawnSync(process.execPath, [join(checkout, 'bin/build.mjs')], {
      encoding: 'utf8',
      cwd: checkout,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Run `npm install` in the qci checkout first');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('whoami: an engine that is not installed is a neutral "not installed", not a red ✗', () => {
    const bare = tempDir('qci-empty-path-');
    const r = run(
      ['whoami'],
      isolatedEnv({ PATH: bare, QCI_REGISTRY: '127.0.0.1:1' }),
    );
    expect(r.stdout).toMatch(/^podman {3}- not installed$/m);
    expect(r.stdout).toMatch(/^docker {3}- not installed$/m);
  });

  it('doctor on a narrow terminal: a fix starts where its finding continues, and its words go under it', () => {
    for (const [columns, lead] of [
      ['40', 2],
      ['100', 18],
    ] as const) {
      const r = run(
        ['doctor'],
        isolatedEnv({ QCI_REGISTRY: '127.0.0.1:1', COLUMNS: columns }),
      );
      const lines = r.stdout.split('\n');
      const fixes = lines.filter((l) => l.trimStart().startsWith('fix:'));
      expect(fixes.length, r.stdout).toBeGreaterThan(0);
      for (const fix of fixes)
        expect(fix, columns).toMatch(new RegExp(`^ {${lead}}fix: `));
      // A fix's continuation is under its words, past "fix: ".
      const at = lines.findIndex((l) => l.includes('fix: log in to app.ci'));
      expect(lines[at + 1], columns).toMatch(new RegExp(`^ {${lead + 5}}\\S`));
    }
  });

  it.skipIf(spawnSync('podman', ['--version']).status !== 0)(
    'whoami on a fresh home: each fix is one that can work here (the browser login), as doctor says',
    () => {
      const r = run(
        ['whoami'],
        isolatedEnv({ QCI_REGISTRY: '127.0.0.1:1', DOCKER_CONFIG: undefined }),
      );
      expect(r.status).toBe(3);
      expect(r.stdout).toMatch(/^podman {3}! .*\n {9}fix: qci login --web$/m);
      expect(r.stdout).not.toMatch(/fix: qci login(?! --web)/);
    },
  );

  it.skipIf(spawnSync('podman', ['--version']).status !== 0)(
    'doctor: the podman < 4.8 note only where it matters (DOCKER_CONFIG or REGISTRY_AUTH_FILE set)',
    () => {
      const note = 'is older than 4.8';
      const base = { QCI_REGISTRY: '127.0.0.1:1' };
      const plain = run(
        ['doctor'],
        isolatedEnv({ ...base, DOCKER_CONFIG: undefined }),
      );
      expect(plain.stdout).toMatch(/podman \S+ is installed/);
      expect(plain.stdout).not.toContain(note);
      expect(run(['doctor'], isolatedEnv(base)).stdout).toContain(note);
      const json = run(
        ['doctor', '--json'],
        isolatedEnv({ ...base, DOCKER_CONFIG: undefined }),
      );
      expect(json.stdout).toContain(note); // the data keeps every finding
    },
  );

  it('off a terminal qci login does not ask: it says what to run, exit 3', () => {
    const r = run(['login']);
    expect(r.status).toBe(3);
    expect(r.stderr).not.toContain('[Y/n]');
    expect(r.stderr).toContain('qci login --web');
  });
});
