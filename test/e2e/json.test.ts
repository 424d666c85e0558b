/**
 * `--json` means JSON, on the real test bed: the commands that run podman or reach app.ci print exactly
 * one JSON document on stdout when they succeed, fail or pull several references; podman's own stdout
 * (the image ID) goes to stderr. (test/cli/json-output.test.ts runs every command offline.)
 */
import { describe, expect, it } from 'vitest';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';
import { expectKnownKinds } from '../helpers/error-kinds.js';

const tools = requireTools(TESTBED_TOOLS);

describe.skipIf(!tools.ok)('--json on the test bed (end to end)', () => {
  const tb = useTestBed({ tags: ['ocp_4.7_my-component', 'ocp_4.7_cli'] });

  it('pull, login, whoami, doctor, inspect, logout: one document each, on success and failure', async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const qci = async (args: string[]) => {
      const r = await tb.qci(['--json', ...args], {
        QCI_TLS_VERIFY: 'false',
        KUBECONFIG,
      });
      const value = JSON.parse(r.stdout) as Record<string, unknown>;
      for (const kind of expectKnownKinds(value, r.exitCode)) seen.add(kind);
      return { ...r, value };
    };
    const seen = new Set<string>();

    const pulled = await qci(['pull', 'ocp/4.7:my-component']);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(pulled.value.exitCode).toBe(0);
    expect(pulled.stderr).toMatch(/^[0-9a-f]{64}$/m); // podman's image ID, moved to stderr

    const several = await qci([
      'pull',
      'ocp/4.7:cli',
      'ocp/4.7:no-such-component',
      'Bad/Ref:x',
    ]);
    expect(several.exitCode).not.toBe(0);
    expect(
      (several.value.results as { ok: boolean }[]).map((r) => r.ok),
    ).toEqual([true, false, false]);

    const missing = await qci(['pull', 'ocp/4.7:no-such-component']);
    expect(missing.exitCode).toBe(5);
    expect(missing.value.exitCode).toBe(5);

    for (const args of [
      ['login'],
      ['whoami'],
      ['doctor'],
      ['inspect', 'ocp/4.7:cli'],
    ]) {
      const r = await qci(args);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    expect((await qci(['inspect', 'ocp/4.7:nope'])).value).toHaveProperty(
      'error',
    );
    expect((await qci(['logout'])).exitCode).toBe(0);
    tb.bed.appci.revokeToken(tb.bed.token); // the last test: the bed's token is dead from here on
    const dead = await qci(['login']);
    expect(dead.exitCode).toBe(3);
    expect(dead.value).toHaveProperty('error.kind');
    // Error kinds met on the way, each in the table and exiting as it says.
    expect([...seen]).toEqual(
      expect.arrayContaining(['not-found', 'token-expired']),
    );
  });
});
