/**
 * `npm run demo` (its bundle, test/demo/dist/demo.mjs, which `npm test` builds first; `npm run demo`
 * itself would rebuild bin/dist under the other tests' feet). It must tell the whole story, check each
 * step, and leave no process, port or file behind: after success, after a failed step, after signals.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTools, which } from './testbed/index.js';
import { tempDir } from '../helpers/temp.js';
import { PODMAN_BAR, REDRAW, scriptArgs } from '../helpers/pty.js';

const tools = requireTools(['podman', 'docker-registry', 'openssl', 'tar']);
const onTerminal = requireTools(['script']);
const DEMO = fileURLToPath(new URL('../demo/dist/demo.mjs', import.meta.url));

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the demo with a complete environment. `signalWhen` sends a signal to it once its output contains
 * the text (as Ctrl-C in a terminal reaches it). `terminal`: on a pseudo-terminal of 100 columns, as a
 * user runs it; stdout and stderr are then one stream (in `stdout`), and Ctrl-C is typed.
 */
function runDemo(
  env: Record<string, string>,
  options: {
    signalWhen?: { text: string; signal: NodeJS.Signals | 'close-stdout' };
    args?: string[];
    terminal?: boolean;
  } = {},
): Promise<DemoRun> {
  const { signalWhen, args = [], terminal = false } = options;
  const argv = [process.execPath, DEMO, ...args];
  return new Promise((resolve, reject) => {
    const child = terminal
      ? spawn('script', scriptArgs(argv, 100, 30), {
          env: { ...env, TERM: 'xterm-256color' },
          stdio: ['pipe', 'pipe', 'pipe'],
        })
      : spawn(argv[0]!, argv.slice(1), {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const signal = (how: NodeJS.Signals | 'close-stdout'): void => {
      // close-stdout: as `npm run demo | head` once head has had enough.
      if (how === 'close-stdout') child.stdout.destroy();
      // On a terminal, Ctrl-C is a key: the terminal signals the demo, not script.
      else if (terminal && how === 'SIGINT') child.stdin?.write('\x03');
      else child.kill(how);
    };
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      if (signalWhen && !signalled && stdout.includes(signalWhen.text)) {
        signalled = true;
        signal(signalWhen.signal);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // Nothing to type: the input ends (script still relays all the demo writes).
    if (terminal && signalWhen === undefined) child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin?.destroy();
      resolve({ code, stdout: stdout.replace(/\r\n/g, '\n'), stderr });
    });
  });
}

/**
 * A stand-in for the user's own files: every variable points at them, and each holds something that would
 * break a command that read it. The demo must neither read nor change them.
 */
function userFiles(root: string): {
  env: Record<string, string>;
  snapshot(): string;
} {
  const user = join(root, 'user');
  const home = join(user, 'home');
  const files: Record<string, string> = {
    'home/.docker/config.json': 'not json: the real user file',
    'home/.kube/config': 'not a kubeconfig: the real user file',
    'home/.config/containers/auth.json': 'not json: the real user file',
    'docker/config.json': 'not json: DOCKER_CONFIG',
    kubeconfig: 'not a kubeconfig: KUBECONFIG',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(user, path, '..'), { recursive: true });
    writeFileSync(join(user, path), text);
  }
  mkdirSync(join(user, 'run'));
  const tmp = join(root, 'tmp');
  mkdirSync(tmp);
  const list = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? [
            `${e.name}/`,
            ...list(join(dir, e.name)).map((p) => `${e.name}/${p}`),
          ]
        : [`${e.name}: ${readFileSync(join(dir, e.name), 'utf8')}`],
    );
  return {
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_RUNTIME_DIR: join(user, 'run'),
      DOCKER_CONFIG: join(user, 'docker'),
      // Names a missing file: podman 4.3.1 would fail every pull if it saw it.
      REGISTRY_AUTH_FILE: join(user, 'missing-auth.json'),
      KUBECONFIG: join(user, 'kubeconfig'),
      TMPDIR: tmp,
    },
    snapshot: () => list(user).sort().join('\n'),
  };
}

/** Processes (other than this one) whose command line or environment names the path. */
function processesMentioning(path: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (cmdline.includes(path) || environ.includes(path))
        found.push(`${pid} ${cmdline.replaceAll('\0', ' ')}`);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

/** True when nothing accepts a connection on 127.0.0.1:port. */
function closed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** After any run: nothing left in TMPDIR, no process, the user's files as they were. */
async function expectNothingLeft(
  user: ReturnType<typeof userFiles>,
  before: string,
  run: DemoRun,
): Promise<void> {
  const tmp = user.env.TMPDIR!;
  expect(readdirSync(tmp), 'files left in TMPDIR').toEqual([]);
  expect(processesMentioning(tmp), 'processes left running').toEqual([]);
  const ports = [...run.stdout.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) =>
    Number(m[1]),
  );
  for (const port of new Set(ports))
    expect(await closed(port), `port ${port} still open`).toBe(true);
  expect(user.snapshot(), "the user's files changed").toBe(before);
}

describe.skipIf(!tools.ok)('npm run demo', () => {
  const scratch = (): string => tempDir('qci-demo-test-');

  it('tells the whole story, each step checked, and leaves no process, port or file', async () => {
    const root = scratch();
    try {
      const user = userFiles(root);
      const before = user.snapshot();
      const run = await runDemo(user.env);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const commands = [...run.stdout.matchAll(/^\$ (.*)$/gm)].map((m) =>
        m[1]!.replace(/127\.0\.0\.1:\d+/g, 'HOST'),
      );
      expect(commands).toEqual([
        'qci pull ocp/4.7:my-component',
        'qci whoami',
        'podman logout HOST',
        'podman pull HOST/openshift/ci:ocp_4.7_my-component',
        'qci doctor',
        'qci doctor --fix',
        'podman pull HOST/openshift/ci:ocp_4.7_my-component',
      ]);
      // Real output of each, and the demo's check after each command.
      expect(run.stdout).toContain('; logging in\n');
      expect(run.stdout).toMatch(/Error: not logged into 127\.0\.0\.1:\d+/);
      expect(run.stdout).toMatch(/unauthorized/);
      expect(run.stdout).toMatch(
        /✗ auth files +127\.0\.0\.1:\d+ in ~\/\.docker\/config\.json holds an expired/,
      );
      expect(run.stdout).toMatch(/removed 127\.0\.0\.1:\d+ from ~\/\.docker/);
      expect(run.stdout.match(/^✓ exit /gm)).toHaveLength(5);
      expect(run.stdout.match(/^✓ podman (logout|pull) fails/gm)).toHaveLength(
        2,
      );
      expect(run.stdout).not.toContain('✗ expected');
      expect(run.stdout).toContain('demo passed: 6 steps');
      expect(run.stdout).toMatch(/stopped the test bed and removed /);
      expect(run.stdout + run.stderr).not.toMatch(/sha256~[\w-]{43}/);
      await expectNothingLeft(user, before, run);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);

  it('Ctrl-C during a pull, SIGTERM while the bed starts, stdout closed: stops everything, removes its files', async () => {
    const root = scratch();
    try {
      const user = userFiles(root);
      const before = user.snapshot();
      const int = await runDemo(user.env, {
        signalWhen: { text: '$ qci pull', signal: 'SIGINT' },
      });
      expect(int.code, int.stdout + int.stderr).toBe(130);
      expect(int.stderr).toContain(
        'SIGINT: stopping everything it started and removing its files',
      );
      expect(int.stdout).not.toContain('demo passed');
      expect(int.stdout).not.toContain('demo FAILED');
      await expectNothingLeft(user, before, int);

      const term = await runDemo(user.env, {
        signalWhen: { text: 'starting the test bed', signal: 'SIGTERM' },
      });
      expect(term.code, term.stdout + term.stderr).toBe(143);
      await expectNothingLeft(user, before, term);

      const pipe = await runDemo(user.env, {
        signalWhen: { text: 'test bed ready', signal: 'close-stdout' },
      });
      expect(pipe.code, pipe.stderr).toBe(141);
      expect(pipe.stderr).toContain('SIGPIPE: stopping everything');
      await expectNothingLeft(user, before, pipe);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);

  it('a step that does not go as the story says fails the demo loudly, and it still cleans up (--readme)', async () => {
    const root = scratch();
    try {
      const user = userFiles(root);
      const before = user.snapshot();
      // A podman whose logout "works", as the story says it does not.
      const bin = join(root, 'fake-bin');
      mkdirSync(bin);
      writeFileSync(
        join(bin, 'podman'),
        '#!/bin/sh\nif [ "$1" = logout ]; then echo "Removed login credentials for $2"; exit 0; fi\n' +
          `exec ${which('podman')} "$@"\n`,
      );
      chmodSync(join(bin, 'podman'), 0o755);
      const run = await runDemo(
        { ...user.env, PATH: `${bin}:${user.env.PATH}` },
        { args: ['--readme'] },
      );
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.stdout).toContain(
        '✗ expected: podman logout fails (exit 125)',
      );
      expect(run.stdout).toContain(
        'demo FAILED at step 3: the command ended with exit 0',
      );
      expect(run.stdout).not.toContain('$ qci doctor');
      // --readme: the bed's names written as the real ones, in commands and in their output.
      const steps = run.stdout.slice(
        run.stdout.indexOf('── 1.'),
        run.stdout.indexOf('demo FAILED'),
      );
      expect(steps).toContain(
        'logged in to quay-proxy.ci.openshift.org as alice',
      );
      expect(steps).toContain('$ podman logout quay-proxy.ci.openshift.org');
      expect(steps).toContain('https://api.ci.l2s4.p1.openshiftapps.com:6443');
      expect(steps).toContain('/run/user/1000/containers/auth.json');
      expect(steps).not.toMatch(/127\.0\.0\.1|\/tmp\//);
      await expectNothingLeft(user, before, run);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);
});

describe.skipIf(!tools.ok || !onTerminal.ok)(
  'npm run demo on a terminal',
  () => {
    it("gives each command a terminal: podman draws its progress bars, as for the user's own qci pull; Ctrl-C still cleans up", async () => {
      const root = tempDir('qci-demo-test-');
      try {
        const user = userFiles(root);
        const before = user.snapshot();
        const run = await runDemo(user.env, { terminal: true });
        expect(run.code, run.stdout).toBe(0);
        const plain = run.stdout.replace(/\u001b\[[0-9;]*m/g, ''); // colours; the redraws stay
        const pulls = plain.split(/^\$ .*pull .*$/m).slice(1);
        expect(pulls, run.stdout).toHaveLength(3);
        // qci pull (step 1) hands podman the terminal: bars, redrawn in place.
        expect(pulls[0]).toMatch(PODMAN_BAR);
        expect(pulls[0]).toContain(REDRAW);
        // The plain podman pull once repaired (its blob is already there, its config is not).
        expect(pulls[2]).toMatch(/Copying config [0-9a-f]+ \[=+\]/);
        expect(pulls[2]).toContain(REDRAW);
        expect(run.stdout).not.toMatch(/Copying blob sha256:/);
        // qci wraps to the terminal's width, as for the user (its findings run to 240 columns).
        const doctor = plain
          .slice(
            plain.indexOf('$ qci doctor\n'),
            plain.indexOf('$ qci doctor --fix'),
          )
          .split('\n')
          .map((line) => line.replace(/^.*\u001b\[2K/s, '')); // its progress line, redrawn
        expect(doctor.join('\n')).toContain('holds an expired or revoked');
        const widest = Math.max(...doctor.map((line) => [...line].length));
        expect(widest).toBeLessThanOrEqual(100);
        expect(widest).toBeGreaterThan(80); // the terminal's width, not 80 (off a terminal)
        expect(run.stdout).toContain('demo passed: 6 steps');
        await expectNothingLeft(user, before, run);

        const int = await runDemo(user.env, {
          terminal: true,
          signalWhen: { text: 'Copying blob', signal: 'SIGINT' },
        });
        expect(int.code, int.stdout).toBe(130);
        expect(int.stdout).toContain('SIGINT: stopping everything');
        expect(int.stdout).not.toContain('demo passed');
        await expectNothingLeft(user, before, int);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }, 180_000);
  },
);

describe('npm run demo without its tools, or with bad arguments', () => {
  it('--help shows usage with an example; an unknown argument is exit 2 and starts nothing', async () => {
    const root = tempDir('qci-demo-test-');
    try {
      const user = userFiles(root);
      const help = await runDemo(user.env, { args: ['--help'] });
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('usage: npm run demo [-- --readme]');
      expect(help.stdout).toContain('sudo npm run demo');
      const bad = await runDemo(user.env, { args: ['--nope'] });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('unknown argument --nope');
      expect(readdirSync(user.env.TMPDIR!)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('names what is missing and the apt-get line that installs it, and starts nothing', async () => {
    const root = tempDir('qci-demo-test-');
    try {
      const user = userFiles(root);
      const before = user.snapshot();
      const bin = join(root, 'bin');
      mkdirSync(bin);
      for (const tool of ['tar', 'openssl']) {
        const path = which(tool);
        if (path !== undefined) symlinkSync(path, join(bin, tool));
      }
      const run = await runDemo({ ...user.env, PATH: bin });
      expect(run.code, run.stderr).toBe(7);
      expect(run.stderr).toContain(
        'podman, docker-registry: not found on PATH',
      );
      expect(run.stderr).toContain(
        'apt-get update && apt-get install -y podman docker-registry',
      );
      expect(run.stdout).toBe('');
      await expectNothingLeft(user, before, run);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
