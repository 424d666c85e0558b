/**
 * Files the engine reads are checked before it runs. podman 4.3.1 opens the auth files plainly, even
 * with qci's private --authfile: a FIFO at ~/.docker/config.json blocks `podman login` forever, a link
 * to /dev/urandom keeps it reading. qci login and qci pull must refuse within seconds, naming the
 * file, writing nothing, and leaving no podman behind; a qci stopped by a signal leaves no engine
 * child; and a kubeconfig's certificate files go through the same safe read.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { QCI_BIN, useTestBed } from './testbed/fixture.js';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import type { PodmanEnv } from './testbed/podman.js';

const tools = requireTools(TESTBED_TOOLS);

const hostile = {
  'a FIFO': {
    make: (path: string) => execFileSync('mkfifo', [path]),
    says: /is a FIFO, not a regular file/,
  },
  'a link to /dev/zero': {
    make: (path: string) => symlinkSync('/dev/zero', path),
    says: /is a character device/,
  },
  'a link to /dev/urandom': {
    make: (path: string) => symlinkSync('/dev/urandom', path),
    says: /is a character device/,
  },
} as const;
type Hostile = keyof typeof hostile;

/** Puts a hostile file at `path` (its directory made). */
function plant(kind: Hostile, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  hostile[kind].make(path);
}

/** Every path under `dir`, for "nothing was written" (the hostile file is never opened by this). */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => !p.includes('libpod') && !p.startsWith('storage'))
    .sort();
}

/** The pids of processes whose environment holds this test's HOME: podman qci started, if any remains. */
function processesOf(pe: PodmanEnv): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    if (Number(pid) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (environ.split('\0').includes(`HOME=${pe.home}`))
        pids.push(Number(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** The candidates podman reads with neither DOCKER_CONFIG nor REGISTRY_AUTH_FILE set. */
const places = {
  '~/.docker/config.json': (pe: PodmanEnv) => pe.authFiles.docker,
  '$XDG_CONFIG_HOME/containers/auth.json': (pe: PodmanEnv) =>
    pe.authFiles.xdgConfig,
  '~/.dockercfg': (pe: PodmanEnv) => pe.authFiles.dockercfg,
} as const;

const cases = [
  ...Object.keys(hostile).map(
    (kind) => [kind, '~/.docker/config.json'] as [Hostile, keyof typeof places],
  ),
  ['a FIFO', '$XDG_CONFIG_HOME/containers/auth.json'],
  ['a link to /dev/urandom', '~/.dockercfg'],
] as [Hostile, keyof typeof places][];

describe.skipIf(!tools.ok)('hostile auth files before the engine', () => {
  const tb = useTestBed({ denyMode: 'auth-401' });

  describe.each(cases)('%s at %s', (kind, place) => {
    it.each([
      ['login', []],
      ['pull', ['ocp/4.7:cli']],
    ] as const)(
      'qci %s refuses within seconds, naming it, writing nothing, leaving no podman',
      async (verb, args) => {
        const pe = await tb.freshPodman();
        const kubeconfig = await tb.kubeconfigAtHome();
        const path = places[place](pe);
        plant(kind, path);
        const before = tree(pe.dir);
        const r = await tb.qci(
          [verb, ...args],
          { KUBECONFIG: kubeconfig },
          {
            timeoutMs: 20_000,
          },
        );
        expect(r.signal, r.stderr).toBeNull(); // not killed by the 20 s guard
        expect(r.ms).toBeLessThan(10_000);
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toMatch(hostile[kind].says);
        expect(r.stderr).toContain(path);
        expect(r.stderr).toMatch(/qci did not run podman/);
        expect(tree(pe.dir)).toEqual(before);
        expect(existsSync(pe.authFiles.xdgRuntime)).toBe(false);
        expect(processesOf(pe)).toEqual([]);
      },
    );
  });
});

describe.skipIf(!tools.ok)('a kubeconfig naming hostile files', () => {
  const tb = useTestBed({ denyMode: 'auth-401' });

  /** The bed's kubeconfig at ~/.kube/config with `set` applied to its cluster or user entry. */
  async function kubeconfigWith(
    section: 'cluster' | 'user',
    set: Record<string, string>,
  ): Promise<string> {
    const path = await tb.kubeconfigAtHome();
    const doc = parseYaml(readFileSync(path, 'utf8'));
    const entry = doc[`${section}s`][0][section];
    delete entry['certificate-authority-data'];
    Object.assign(entry, set);
    writeFileSync(path, stringifyYaml(doc));
    return path;
  }

  it('a certificate-authority that is a regular file is read and used', async () => {
    await tb.freshPodman();
    const kubeconfig = await kubeconfigWith('cluster', {
      'certificate-authority': tb.bed.appci.caFile,
    });
    const r = await tb.qci(['whoami', '--json'], { KUBECONFIG: kubeconfig });
    // Exit 3: no engine holds a credential yet; app.ci answered through the CA read from the file.
    expect(JSON.parse(r.stdout).appci?.user, r.stderr).toBe(tb.bed.user);
  });

  it.each([
    ['whoami', 'cluster', 'certificate-authority', 'a FIFO'],
    ['login', 'cluster', 'certificate-authority', 'a FIFO'],
    ['whoami', 'cluster', 'certificate-authority', 'a link to /dev/urandom'],
    ['whoami', 'user', 'client-certificate', 'a FIFO'],
    ['login', 'user', 'client-key', 'a FIFO'],
  ] as const)(
    "qci %s refuses within seconds when the %s's %s is %s, naming it",
    async (verb, section, key, kind) => {
      const pe = await tb.freshPodman();
      const path = join(pe.home, 'hostile.pem');
      plant(kind, path);
      const kubeconfig = await kubeconfigWith(section, { [key]: path });
      const before = tree(pe.dir);
      const r = await tb.qci(
        [verb],
        { KUBECONFIG: kubeconfig },
        {
          timeoutMs: 20_000,
        },
      );
      expect(r.signal, r.stderr).toBeNull(); // not killed by the 20 s guard
      expect(r.ms).toBeLessThan(10_000);
      const said = `${r.stdout}${r.stderr}`;
      expect(r.exitCode, said).toBe(1);
      expect(said).toMatch(hostile[kind].says);
      expect(said).toContain(path);
      expect(said).toContain(key);
      expect(tree(pe.dir)).toEqual(before);
      expect(processesOf(pe)).toEqual([]);
    },
  );
});

describe.skipIf(!tools.ok)('qci login --web --certificate-authority', () => {
  const tb = useTestBed();

  it.each(['a FIFO', 'a link to /dev/urandom'] as const)(
    'refuses within seconds when the file is %s, naming it, before any browser or server',
    async (kind) => {
      const pe = await tb.freshPodman();
      const path = join(pe.home, 'ca.pem');
      plant(kind, path);
      const before = tree(pe.dir);
      const r = await tb.qci(
        [
          'login',
          '--web',
          '--server',
          tb.bed.appci.url,
          '--certificate-authority',
          path,
        ],
        { BROWSER: 'true' },
        { timeoutMs: 20_000 },
      );
      expect(r.signal, r.stderr).toBeNull(); // not killed by the 20 s guard
      expect(r.ms).toBeLessThan(10_000);
      const said = `${r.stdout}${r.stderr}`;
      expect(r.exitCode, said).not.toBe(0);
      expect(said).toMatch(hostile[kind].says);
      expect(said).toContain(path);
      expect(tree(pe.dir)).toEqual(before);
    },
  );
});

describe.skipIf(!tools.ok)(
  'qci stopped by a signal during an engine command',
  () => {
    const tb = useTestBed({ denyMode: 'auth-401' });

    it.each(['SIGTERM', 'SIGHUP'] as const)(
      '%s to qci during a slow pull leaves no engine process behind',
      async (signal) => {
        const pe = await tb.freshPodman();
        const kubeconfig = await tb.kubeconfigAtHome();
        const env = { KUBECONFIG: kubeconfig, QCI_REGISTRY: tb.bed.proxy.host };
        expect((await tb.qci(['login'], env)).exitCode).toBe(0);
        tb.bed.proxy.blobDelayMs = 60_000;
        tb.bed.proxy.clearRequests();
        try {
          const child = spawn(
            process.execPath,
            [QCI_BIN, 'pull', 'ocp/4.7:my-component'],
            { env: { ...pe.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
          );
          const exited = new Promise<void>((resolve) =>
            child.on('exit', () => resolve()),
          );
          await vi.waitFor(
            () =>
              expect(
                tb.bed.proxy.requests.some((q) => q.path.includes('/blobs/')),
              ).toBe(true),
            { timeout: 30_000, interval: 50 },
          );
          expect(processesOf(pe).length).toBeGreaterThan(1); // qci and its podman
          child.kill(signal);
          await exited;
          await vi.waitFor(() => expect(processesOf(pe)).toEqual([]), {
            timeout: 10_000,
            interval: 100,
          });
        } finally {
          tb.bed.proxy.blobDelayMs = 0;
        }
      },
    );
  },
);
