/**
 * qci release --pull of a payload outside QCI, through the injected setup: app.ci's registry gets qci
 * pull's login; any other registry gets the engine's own credentials, never the app.ci token.
 * test/e2e/release.test.ts runs the real podman against the test bed's stand-in for app.ci's registry.
 */
import { describe, expect, it } from 'vitest';
import { pullReleaseImage } from '../../src/session/release-pull.js';
import { fakeSetup, pullOptions, type Fake } from './fake-setup.js';

const STABLE = 'quay.io/openshift-release-dev/ocp-release:4.18.3-x86_64';
const NIGHTLY =
  'registry.ci.openshift.org/ocp/release:4.18.0-0.nightly-2026-11-20-000000';
const runsOf = (fake: Fake, verb: string) =>
  fake.runs.filter((r) => r.args[0] === verb);
/** The setup as the test bed runs it: QCI over plain HTTP (--tls-verify=false for QCI). */
const insecureQci = () => {
  const fake = fakeSetup();
  fake.setup.settings = { ...fake.setup.settings, tlsVerify: false };
  return fake;
};
const pull = (fake: Fake, spec: string) =>
  pullReleaseImage(fake.setup, spec, pullOptions(fake), 'qci release 4-stable');

describe('qci release --pull outside QCI: the app.ci token goes to app.ci and QCI only', () => {
  it("a stable payload on quay.io: the engine's pull with what it has, no login, TLS verified", async () => {
    const fake = insecureQci();
    const r = await pull(fake, STABLE);
    expect(r.ok).toBe(true);
    expect(runsOf(fake, 'login')).toEqual([]);
    expect(fake.appci.connects).toBe(0);
    const [run] = runsOf(fake, 'pull');
    expect(run?.args).toContain(STABLE);
    expect(run?.args).not.toContain('--tls-verify=false');
    expect(run?.input).toBeUndefined();
    expect(fake.said.join('\n')).not.toMatch(/logging in|logged in/);
  });

  it('refused there: says that registry wants its own credential, and still sends it nothing of app.ci', async () => {
    const fake = insecureQci();
    fake.pullAnswers.push({
      exitCode: 125,
      stderr: `Error: initializing source docker://${STABLE}: reading manifest 4.18.3-x86_64 in quay.io/openshift-release-dev/ocp-release: unauthorized: access to the requested resource is not authorized\n`,
    });
    const r = await pull(fake, STABLE);
    expect(r.ok).toBe(false);
    expect(r.exitCode).toBe(3);
    expect(r.message).toBe(
      "quay.io refused the pull: it wants a credential of its own (qci's app.ci login is only for QCI and registry.ci.openshift.org)",
    );
    expect(r.hint).toContain(
      'pull with an auth file that holds quay.io: add --authfile FILE',
    );
    expect(runsOf(fake, 'login')).toEqual([]);
    expect(runsOf(fake, 'pull')).toHaveLength(1);
    expect(fake.appci.connects).toBe(0);
  });

  it("a nightly on app.ci's registry: no credential there, so qci logs in to it first, as qci pull does", async () => {
    const fake = fakeSetup();
    const r = await pull(fake, NIGHTLY);
    expect(r.ok).toBe(true);
    const [login] = runsOf(fake, 'login');
    expect(login?.args.at(-1)).toBe('registry.ci.openshift.org');
    expect(login?.input).toBe(fake.appci.token);
    expect(fake.said).toContain(
      'logged in to registry.ci.openshift.org as alice',
    );
  });
});

describe("qci release --pull: a payload's words never reach the engine as an option", () => {
  it.each(['--root=/tmp/evil', '-q', 'quay.io/x/y:tag --root=/tmp/evil'])(
    '%j is refused before anything runs',
    async (spec) => {
      const fake = fakeSetup();
      const error = await pull(fake, spec).catch((e) => e);
      expect(error.message).toContain('names an image qci cannot pull');
      expect(fake.runs).toEqual([]);
    },
  );
});
