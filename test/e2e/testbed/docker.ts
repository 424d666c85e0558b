/**
 * One private Docker daemon (Debian's docker.io 20.10) for the whole test run, started by the first test
 * that asks for it and stopped by the global teardown (docker-global.ts):
 *
 *   dockerd --storage-driver vfs --iptables=false --ip6tables=false --bridge=none
 *     --insecure-registry 127.0.0.0/8 -H unix://DIR/docker.sock --data-root DIR/data
 *     --exec-root DIR/exec --pidfile DIR/dockerd.pid
 *     --config-file DIR/daemon.json   (holding deprecated-key-path: DIR/key.json)
 *
 * Nothing of the machine's docker is used or changed: no /var/run/docker.sock, no /var/lib/docker, no
 * /etc/docker, no iptables rule, no bridge. Workers share it through a directory the global setup
 * provides: the first worker to get the lock (an atomic mkdir) starts the daemon detached (so it outlives
 * that worker) and writes `ready` (or `failed`); the others poll for that file. Readiness is polled
 * (GET /_ping on the socket), not slept for.
 *
 * The client: /usr/bin/docker, Debian's 20.10 client from the same docker.io package as the daemon, so
 * this machine and CI (where `.ci/run` installs only docker.io) test the same client.
 * QCI_TEST_DOCKER=/path/to/docker runs the tests with another client (docker 28 in /usr/local/bin here,
 * which negotiates API 1.41 with this daemon). Auth is all client-side (config.json, credential helpers,
 * X-Registry-Auth), so the client is what the tests are about; the daemon only does the HTTP.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { inject } from 'vitest';
import { run, type RunResult } from './proc.js';
import { which } from './tools.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the run's shared dockerd lives (docker-global.ts). */
    qciDockerdDir: string;
  }
}

export interface DockerDaemon {
  /** unix:///…/docker.sock: DOCKER_HOST for clients. */
  host: string;
  socket: string;
  /** The daemon's version ("20.10.24+dfsg1"). */
  version: string;
  /** The docker client the tests use (see the header). */
  client: string;
  /** A directory holding only `docker` (a link to `client`): put it first on PATH. */
  clientBin: string;
}

const READY = 'ready.json';
const FAILED = 'failed.txt';

/** Where the shared daemon's files are: the global setup's directory. */
export function dockerdDir(): string {
  const dir = inject('qciDockerdDir');
  if (!dir)
    throw new Error(
      'no qciDockerdDir: vitest.config.ts must list docker-global.ts',
    );
  return dir;
}

/** The docker client the tests run: QCI_TEST_DOCKER, else Debian's /usr/bin/docker, else PATH's. */
export function dockerClient(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (env.QCI_TEST_DOCKER) return env.QCI_TEST_DOCKER;
  if (existsSync('/usr/bin/docker')) return '/usr/bin/docker';
  return which('docker', env.PATH ?? '');
}

/**
 * Removes every image of `host` from the daemon `docker` talks to: a shared daemon keeps other files'
 * images, and other beds' hosts differ.
 */
export async function removeImagesOf(
  host: string,
  docker: (args: string[]) => Promise<RunResult>,
): Promise<void> {
  const list = await docker(['images', '--format', '{{.ID}} {{.Repository}}']);
  const ids = list.stdout
    .split('\n')
    .filter((l) => l.includes(` ${host}/`))
    .map((l) => l.split(' ')[0]!);
  if (ids.length > 0) await docker(['rmi', '-f', ...new Set(ids)]);
}

let shared: Promise<DockerDaemon> | undefined;

/** The run's one daemon, started on first use (by this worker or another). */
export function sharedDockerd(): Promise<DockerDaemon> {
  shared ??= attach(dockerdDir());
  return shared;
}

async function attach(dir: string): Promise<DockerDaemon> {
  let starter = false;
  try {
    await mkdir(join(dir, 'lock'));
    starter = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (starter) {
    try {
      const daemon = await startDockerd(dir);
      await writeFile(join(dir, READY), JSON.stringify(daemon));
      return daemon;
    } catch (error) {
      await writeFile(join(dir, FAILED), String(error));
      throw error;
    }
  }
  // Another worker is starting it: wait for its verdict.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ready = await readFile(join(dir, READY), 'utf8').catch(() => null);
    if (ready !== null) return JSON.parse(ready) as DockerDaemon;
    const failed = await readFile(join(dir, FAILED), 'utf8').catch(() => null);
    if (failed !== null)
      throw new Error(`the shared dockerd did not start: ${failed}`);
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for the shared dockerd in ${dir}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startDockerd(dir: string): Promise<DockerDaemon> {
  const client = dockerClient();
  if (!client) throw new Error('no docker client found');
  const socket = join(dir, 'docker.sock');
  const logPath = join(dir, 'dockerd.log');
  // Nothing from or into /etc/docker: our daemon.json instead of the machine's, and in it the 20.10 trust
  // key's path (/etc/docker/key.json by default; 20.10 has no flag for it).
  const configFile = join(dir, 'daemon.json');
  await writeFile(
    configFile,
    JSON.stringify({ 'deprecated-key-path': join(dir, 'key.json') }),
  );
  const log = openSync(logPath, 'a');
  const child = spawn(
    'dockerd',
    [
      '--storage-driver',
      'vfs',
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--insecure-registry',
      '127.0.0.0/8',
      '-H',
      `unix://${socket}`,
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'dockerd.pid'),
      '--config-file',
      configFile,
    ],
    {
      // Its own session and no tie to this worker: the global teardown stops it by its pidfile.
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: dir,
        TMPDIR: dir,
        // Inherited by its containerd: how stopDockerd finds what a SIGKILL left.
        QCI_TEST_DOCKERD: dir,
      },
    },
  );
  closeSync(log);
  child.unref();
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `dockerd exited (${signal ?? code})`;
  });
  const deadline = Date.now() + 60_000;
  while ((await ping(socket)) !== 'OK') {
    const tail = async () =>
      (await readFile(logPath, 'utf8').catch(() => ''))
        .split('\n')
        .slice(-15)
        .join('\n');
    if (exited) throw new Error(`${exited}; its log ends:\n${await tail()}`);
    if (Date.now() > deadline)
      throw new Error(`dockerd not ready after 60 s; log:\n${await tail()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const clientBin = join(dir, 'client-bin');
  await mkdir(clientBin, { recursive: true });
  await symlink(client, join(clientBin, 'docker'));
  const host = `unix://${socket}`;
  const v = await run(client, ['version', '--format', '{{.Server.Version}}'], {
    env: { PATH: process.env.PATH, HOME: dir, DOCKER_HOST: host },
  });
  if (v.exitCode !== 0)
    throw new Error(`${client} cannot talk to dockerd: ${v.stderr}`);
  return { host, socket, version: v.stdout.trim(), client, clientBin };
}

/** GET /_ping over the unix socket: "OK" once the daemon serves its API. */
function ping(socketPath: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(
      { socketPath, path: '/_ping', method: 'GET', timeout: 1_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
