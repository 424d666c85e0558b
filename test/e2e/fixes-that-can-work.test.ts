/**
 * The fix doctor names is one that can work: on a machine with no kubeconfig, `qci login` fails at once,
 * so the login fix is the browser's (`qci login --web`) and `--fix` does not try the other; a registry
 * name that does not resolve is the network's or the VPN's, not a test registry's.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);

describe.skipIf(!tools.ok)('fixes that can work (end to end)', () => {
  const tb = useTestBed();

  it('with no kubeconfig, doctor names qci login --web, and --fix does not run a login that fails', async () => {
    await tb.freshPodman();
    const KUBECONFIG = join(tb.pe.home, 'no-such-kubeconfig');
    const r = await tb.qci(['doctor'], { KUBECONFIG });
    expect(r.stdout + r.stderr).toMatch(
      /podman has no credential[^\n]*\n\s+fix: qci login --web\n/,
    );
    expect(r.stdout + r.stderr).not.toMatch(/fix: qci login \(safe\)/);
    const fixed = await tb.qci(['doctor', '--fix'], { KUBECONFIG });
    const all = fixed.stdout + fixed.stderr;
    expect(all).not.toContain('could not log in');
    expect(all).toContain('qci login --web');
  });

  it('a registry name that does not resolve: check the network and VPN, no word of test registries', async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const r = await tb.qci(['doctor'], {
      KUBECONFIG,
      QCI_REGISTRY: 'qci-registry.invalid',
    });
    const all = r.stdout + r.stderr;
    expect(all).toMatch(/cannot reach qci-registry\.invalid[^\n]*DNS/);
    expect(all).toMatch(/fix: [^\n]*network and VPN/);
    expect(all).not.toContain('test registry');
  });
});
