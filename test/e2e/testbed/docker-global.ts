/**
 * vitest globalSetup: a directory for the run's one shared dockerd (docker.ts starts it on first use, so a
 * run without docker tests starts nothing), and its teardown: stop the daemon, remove every file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { killProcessesUsing, unmountUnder } from './proc.js';

export default async function setup(
  project: TestProject,
): Promise<() => Promise<void>> {
  // Short: the daemon's sockets (docker.sock, exec/containerd/containerd.sock) must fit in 108 bytes.
  const dir = await mkdtemp(join(tmpdir(), 'qci-dockerd-'));
  project.provide('qciDockerdDir', dir);
  return () => stopDockerd(dir);
}

/** Stops the daemon found in `dir` (SIGTERM, then SIGKILL) and removes every file it left. */
export async function stopDockerd(dir: string): Promise<void> {
  const pid = Number(
    (await readFile(join(dir, 'dockerd.pid'), 'utf8').catch(() => '')).trim(),
  );
  if (pid > 0 && alive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (alive(pid) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await killProcessesUsing(`QCI_TEST_DOCKERD=${dir}`);
  await unmountUnder(dir);
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
