/**
 * whoami and doctor mark the same finding alike, and every ✗ comes with its fix: a revoked token podman
 * sends is ✗ with a fix; docker with no credential is i (as doctor says), not ✗; another user's valid
 * token is ! (it pulls, as someone else), as doctor's warning.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);

/** whoami's line for an engine, and the line after it. */
const engineLines = (out: string, engine: string): [string, string] => {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.startsWith(engine.padEnd(9)));
  return [lines[i] ?? '', lines[i + 1] ?? ''];
};

describe.skipIf(!tools.ok)('one set of symbols (end to end)', () => {
  const tb = useTestBed({ tags: ['ocp_4.7_my-component'] });

  it('a revoked token podman sends is ✗ with its fix; docker with no credential is i, as in doctor', async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const dead = tb.bed.appci.createToken(tb.bed.user);
    tb.bed.appci.revokeToken(dead);
    tb.storeCredential(
      join(tb.pe.xdgRuntimeDir, 'containers', 'auth.json'),
      dead,
    );
    const r = await tb.qci(['whoami'], { KUBECONFIG });
    const [podman, podmanFix] = engineLines(r.stdout, 'podman');
    expect(podman, r.stdout).toMatch(/^podman {3}✗ /);
    expect(podmanFix).toMatch(/^ {9}fix: qci logout && qci login$/);
    const [docker] = engineLines(r.stdout, 'docker');
    if (!docker.includes('not installed'))
      expect(docker, r.stdout).toMatch(/^docker {3}i /);
    const doctor = await tb.qci(['doctor'], { KUBECONFIG });
    if (!docker.includes('not installed'))
      expect(doctor.stdout).toMatch(/^i auth files +docker has no credential/m);
  });

  it("another user's valid token is !, as doctor warns of it", async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const other = tb.bed.appci.createToken('someone-else');
    tb.storeCredential(
      join(tb.pe.xdgRuntimeDir, 'containers', 'auth.json'),
      other,
      'someone-else',
    );
    const r = await tb.qci(['whoami'], { KUBECONFIG });
    const [podman, fix] = engineLines(r.stdout, 'podman');
    expect(podman, r.stdout).toMatch(/^podman {3}! .*another user's valid/);
    expect(fix).toMatch(/fix: /);
    const doctor = await tb.qci(['doctor'], { KUBECONFIG });
    expect(doctor.stdout).toMatch(/^! auth files +.*another user's valid/m);
  });
});
