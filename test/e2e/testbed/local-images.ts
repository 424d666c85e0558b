/** What the images tests do to the engine's store: log podman in to the bed, read a local image's digests. */
import { expect } from 'vitest';
import type { BedFixture } from './fixture.js';
import type { PodmanEnv } from './podman.js';
import type { RunResult } from './proc.js';

/** The test's podman logged in to the bed's proxy with the bed's token (`podman login --password-stdin`). */
export async function podmanLoggedIn(
  tb: BedFixture,
  pe?: PodmanEnv,
): Promise<PodmanEnv> {
  const env = pe ?? (await tb.freshPodman());
  const login = await env.podman(
    ['login', '--password-stdin', '-u', tb.bed.user, tb.bed.proxy.host],
    { input: tb.bed.token },
  );
  expect(login.exitCode, login.stderr).toBe(0);
  return env;
}

/** The `repo@digest` names of a local image, as `podman|docker image inspect` gives them (JSON text). */
export async function repoDigestsOf(
  engine: (args: string[]) => Promise<RunResult>,
  ref: string,
): Promise<string> {
  const r = await engine([
    'image',
    'inspect',
    '--format',
    '{{json .RepoDigests}}',
    ref,
  ]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout;
}
