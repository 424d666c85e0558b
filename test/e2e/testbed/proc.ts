/**
 * Process and network plumbing shared by the test bed: one runner for short-lived commands, a tracker for
 * long-lived children (killed on stop and, as a last resort, when the worker exits), free ports, temp dirs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunResult {
  /** Exit code; -1 when the process was killed by a signal (see `signal`). */
  exitCode: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time in milliseconds. */
  ms: number;
}

export interface RunOptions {
  /** Written to stdin, then stdin is closed (stdin is always closed, so nothing waits for a TTY). */
  input?: string;
  /** The COMPLETE environment of the child (no inheritance from this process). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill after this many ms (SIGKILL to the process group). Default 60 s. */
  timeoutMs?: number;
  /** Called with each chunk as it arrives (the demo shows output live); it is still collected. */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
}

/** Runs a command to completion with an explicit environment; never throws for a non-zero exit. */
export function run(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: cleanEnv(options.env ?? { PATH: process.env.PATH }),
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group, so a timeout can kill everything the command started.
      detached: true,
    });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      options.onOutput?.(s, 'stdout');
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      options.onOutput?.(s, 'stderr');
    });
    child.stdin!.on('error', () => {}); // EPIPE when the command does not read stdin
    child.stdin!.end(options.input ?? '');
    const timer = setTimeout(
      () => killGroup(child, 'SIGKILL'),
      options.timeoutMs ?? 60_000,
    );
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode: code ?? -1,
        signal,
        stdout,
        stderr,
        ms: Date.now() - started,
      });
    });
  });
}

/** Like run(), but throws with the command's output when it exits non-zero. */
export async function runOk(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(cmd, args, options);
  if (result.exitCode !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${result.exitCode}${result.signal ? ` (${result.signal})` : ''}\n` +
        `stdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return result;
}

function cleanEnv(
  env: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined) out[key] = value;
  return out;
}

// ---- long-lived children -------------------------------------------------------------------------------

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Remembers a child so a crashed test run does not leave it behind (killed by pid on process exit). */
export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) killGroup(c, 'SIGKILL');
    });
  }
}

/** SIGKILLs every tracked child's process group now (the demo's Ctrl-C: run() children are detached). */
export function killTracked(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (
    child.pid === undefined ||
    child.exitCode !== null ||
    child.signalCode !== null
  )
    return;
  try {
    process.kill(-child.pid, signal); // the group (spawned detached)
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the child has exited. */
export async function stopChild(
  child: ChildProcess,
  graceMs = 2_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => resolve()),
  );
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

// ---- ports, waiting, temp dirs -------------------------------------------------------------------------

/** A port that was free a moment ago on 127.0.0.1 (callers that hand it to another process retry on EADDRINUSE). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string')
        return reject(new Error('no port'));
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

/** Polls GET url until it answers with one of the statuses (any HTTP answer when omitted). */
export async function waitForHttp(
  url: string,
  options: {
    timeoutMs?: number;
    statuses?: number[];
    alive?: () => boolean;
  } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const status = await new Promise<number | undefined>((resolve) => {
      const req = request(url, { method: 'GET', timeout: 1_000 }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', () => resolve(undefined));
      req.on('timeout', () => req.destroy());
      req.end();
    });
    if (
      status !== undefined &&
      (options.statuses === undefined || options.statuses.includes(status))
    )
      return;
    if (options.alive && !options.alive())
      throw new Error(`process serving ${url} exited`);
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${url} (last status ${status ?? 'none'})`,
      );
    await new Promise((r) => setTimeout(r, 15));
  }
}

export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * Kills (by pid) any process still running with our private storage config in its environment: podman can
 * leave helpers (conmon, a storage cleanup) behind, and they would hold files in the dir we are removing.
 */
export async function killProcessesUsing(marker: string): Promise<number[]> {
  const killed: number[] = [];
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return killed;
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let environ: string;
    try {
      environ = await readFile(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (!environ.split('\0').includes(marker)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
      killed.push(Number(pid));
    } catch {
      /* gone */
    }
  }
  return killed;
}

/** Lazily unmounts anything still mounted under dir (vfs mounts nothing, but a failed test could). */
export async function unmountUnder(dir: string): Promise<void> {
  let mountinfo: string;
  try {
    mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return;
  }
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter(
      (p): p is string =>
        p !== undefined && (p === dir || p.startsWith(`${dir}/`)),
    )
    .sort((a, b) => b.length - a.length);
  for (const point of points)
    await run('umount', ['-l', point], { timeoutMs: 10_000 });
}

export async function removeDir(dir: string): Promise<void> {
  await unmountUnder(dir);
  await rm(dir, {
    recursive: true,
    force: true,
    maxRetries: 5,
    retryDelay: 50,
  });
}
