/**
 * No file qci reads can hang it or grow it without bound. The real executables run
 * with an auth file, kubeconfig, config file or token file that is a FIFO (no writer: a plain read
 * waits forever), a link to /dev/zero (endless), or a huge sparse regular file; each must end quickly
 * with an error naming the file, and change nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp.js';

const bin = (name: string) =>
  fileURLToPath(new URL(`../../bin/${name}`, import.meta.url));

const root = tempDir('qci-unbounded-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident memory of the process in KiB (from /proc, sampled), 0 when unknown. */
  peakKiB: number;
}

/** Runs a bin with a hard 20 s kill, sampling its memory, so a hang or a balloon fails instead of stalling. */
function run(
  name: string,
  args: string[],
  env: Record<string, string>,
  input = '',
): Promise<Run> {
  const started = Date.now();
  const child = spawn(bin(name), args, {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  let peakKiB = 0;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(input);
  const sample = setInterval(() => {
    try {
      const status = execFileSync('cat', [`/proc/${child.pid}/status`], {
        encoding: 'utf8',
      });
      const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peakKiB = Math.max(peakKiB, kib);
    } catch {
      // gone
    }
  }, 100);
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(kill);
      clearInterval(sample);
      resolve({ code, stdout, stderr, ms: Date.now() - started, peakKiB });
    });
  });
}

interface Home extends Record<string, string> {
  HOME: string;
}

function home(label: string): Home {
  const dir = mkdtempSync(join(root, `${label}-`));
  return {
    HOME: dir,
    XDG_RUNTIME_DIR: join(dir, 'run'),
    XDG_CONFIG_HOME: join(dir, '.config'),
    DOCKER_CONFIG: join(dir, '.docker'),
    KUBECONFIG: join(dir, 'no-kubeconfig'),
    // One finding a line, as the test bed's commands run: text output wraps at 80 off a terminal.
    COLUMNS: '1000',
  };
}

function fifo(dir: string): string {
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  return path;
}

function zeroLink(dir: string): string {
  const path = join(dir, 'zero');
  symlinkSync('/dev/zero', path);
  return path;
}

function huge(dir: string): string {
  const path = join(dir, 'huge.json');
  writeFileSync(path, '{"auths":{');
  truncateSync(path, 512 * 1024 * 1024); // sparse: costs no disk
  return path;
}

const hostile = {
  FIFO: { make: fifo, says: /is a FIFO, not a regular file/ },
  '/dev/zero': { make: zeroLink, says: /is a character device/ },
  // Each kind names its own cap: auth file 4 MiB, kubeconfig 16, config file 1, token file 64 KiB.
  'a 512 MiB file': {
    make: huge,
    says: /is larger than (4 MiB|16 MiB|1 MiB|64 KiB)/,
  },
} as const;

function expectBounded(r: Run, path: string, says: RegExp) {
  expect(r.code, r.stderr).not.toBeNull(); // not killed by the 20 s guard
  expect(`${r.stdout}${r.stderr}`).toMatch(says);
  expect(`${r.stdout}${r.stderr}`).toContain(path);
  expect(r.ms).toBeLessThan(15_000);
  // Node itself is ~50 MiB; reading /dev/zero used to reach gigabytes.
  expect(r.peakKiB).toBeLessThan(400 * 1024);
}

describe.each(Object.entries(hostile))('an auth file that is %s', (_l, h) => {
  it.each([['whoami'], ['logout'], ['doctor']])(
    'qci %s ends at once naming it, changing nothing',
    async (command) => {
      const env = home(`auth-${command}`);
      const path = h.make(env.HOME);
      const before = readdirSync(env.HOME).sort();
      const r = await run('qci', [command], {
        ...env,
        REGISTRY_AUTH_FILE: path,
      });
      expectBounded(r, path, h.says);
      expect(readdirSync(env.HOME).sort()).toEqual(before);
    },
  );

  it('qci login --authfile refuses it before podman runs, naming it and the cap, changing nothing', async () => {
    const env = home('auth-login');
    const path = h.make(env.HOME);
    const before = readdirSync(env.HOME).sort();
    const r = await run('qci', ['login', '--authfile', path], env);
    expectBounded(r, path, h.says);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('qci did not run podman');
    expect(readdirSync(env.HOME).sort()).toEqual(before);
  });
});

describe.each(Object.entries(hostile))('a kubeconfig that is %s', (_l, h) => {
  it('qci whoami ends at once naming it', async () => {
    const env = home('kube');
    const path = h.make(env.HOME);
    const r = await run('qci', ['whoami'], { ...env, KUBECONFIG: path });
    expectBounded(r, path, h.says);
  });

  it('docker-credential-qci get ends at once (not found, as the protocol says)', async () => {
    const env = home('helper');
    const path = h.make(env.HOME);
    const r = await run(
      'docker-credential-qci',
      ['get'],
      { ...env, KUBECONFIG: path },
      'quay-proxy.ci.openshift.org\n',
    );
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(15_000);
    expect(r.peakKiB).toBeLessThan(400 * 1024);
  });
});

describe.each(Object.entries(hostile))('other files that are %s', (_l, h) => {
  it('the config file: qci pullspec ends naming it', async () => {
    const env = home('config');
    const path = h.make(env.HOME);
    const r = await run('qci', ['pullspec', 'ocp/4.7:x'], {
      ...env,
      QCI_CONFIG: path,
    });
    expectBounded(r, path, h.says);
    expect(r.code).toBe(2);
  });

  it('a --token-file: qci login ends naming it', async () => {
    const env = home('token');
    const path = h.make(env.HOME);
    const r = await run('qci', ['login', '--token-file', path], env);
    expectBounded(r, path, h.says);
  });
});
