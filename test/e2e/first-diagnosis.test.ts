/**
 * A failed pull's explanation agrees with what the engine sent, on a terminal and off one: with no
 * credential stored, podman sent none (not "an expired or revoked token"), whatever podman's own text
 * says (podman 4.3.1 words a missing and a bad credential alike: "unauthorized: authentication required").
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);

describe.skipIf(!tools.ok)('the first diagnosis of a pull (end to end)', () => {
  const tb = useTestBed({ tags: ['ocp_4.7_my-component'] });

  it('off a terminal, a pull with no credential stored says podman sent none, and names qci login', async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const r = await tb.qci(['pull', '--no-login', 'ocp/4.7:my-component'], {
      KUBECONFIG,
    });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain('has no credential');
    expect(r.stderr).toContain('wants credentials and podman sent none');
    expect(r.stderr).toMatch(/hint: qci login\n/);
    expect(r.stderr).not.toContain('rejected the credential');
    expect(r.stderr).not.toContain('expired or was revoked');
  });

  it('off a terminal, a rejected stored token is named with the file that holds it', async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const dead = tb.bed.appci.createToken(tb.bed.user);
    tb.bed.appci.revokeToken(dead);
    const authfile = join(tb.pe.home, 'dead-auth.json');
    tb.storeCredential(authfile, dead);
    const r = await tb.qci(
      ['pull', '--no-login', '--authfile', authfile, 'ocp/4.7:my-component'],
      { KUBECONFIG },
    );
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain('rejected the credential podman sent');
    expect(r.stderr).toContain('dead-auth.json');
    expect(r.stderr).not.toContain(dead);
  });
});
