/** The test's podman logged in to the bed's proxy with the bed's token (`podman login --password-stdin`). */
import { expect } from 'vitest';
import type { BedFixture } from './fixture.js';
import type { PodmanEnv } from './podman.js';

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
