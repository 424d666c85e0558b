/**
 * The same behaviour everywhere, end to end on the podman test bed: a token that expires within 48 hours
 * is a warning with the renewing command in login, whoami and pull; qci inspect logs in when needed as
 * pull does; pull's automatic login warns about older credentials elsewhere as login does.
 */
import { describe, expect, it } from 'vitest';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);
const HOUR = 3600_000;

describe.skipIf(!tools.ok)('consistent behaviour (end to end)', () => {
  const tb = useTestBed({ denyMode: 'auth-401' });
  const { qci } = tb;

  async function fresh(token: string) {
    await tb.freshPodman();
    return { KUBECONFIG: await tb.bed.appci.kubeconfig({ token }) };
  }

  /** An OAuth token of the default user that dies `hours` from now (app.ci's 28 days, created long ago). */
  const dyingToken = (hours: number) =>
    tb.bed.appci.createToken(tb.bed.user, {
      createdAt: new Date(Date.now() - 2_419_200_000 + hours * HOUR),
    });

  it('a token with 5 hours left: login warns with the command that renews it; a month-old one does not', async () => {
    const env = await fresh(dyingToken(5));
    const login = await qci(['login'], env);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(login.stderr).toMatch(
      /warning: the token expires in [45] hours: get a new one before then: qci login --web/,
    );
    const fine = await qci(['login'], await fresh(tb.bed.token));
    expect(fine.exitCode).toBe(0);
    expect(fine.stderr).not.toContain('warning');
  });

  it('whoami: a yellow ! and the renewing command instead of a green ✓ on the token line', async () => {
    const env = await fresh(dyingToken(5));
    const r = await qci(['whoami'], { ...env, FORCE_COLOR: '1' });
    const token = r.stdout.split('\n').find((l) => l.startsWith('token'))!;
    expect(token).toContain('\u001b[33m!\u001b[39m');
    expect(token).not.toContain('✓');
    expect(token).toMatch(/expires in [45] hours; renew: qci login --web/);
    const plain = await qci(['whoami'], await fresh(tb.bed.token));
    expect(plain.stdout).toMatch(/^token {4}✓ /m);
  });

  it('pull: the credential podman sends is alive but dying: a warning, and the pull works', async () => {
    // Logged in with it: what app.ci proved (its expiry) is remembered, and pull warns from that.
    const env = await fresh(dyingToken(20));
    expect((await qci(['login'], env)).exitCode).toBe(0);
    const r = await qci(['pull', '-q', 'ocp/4.7:my-component'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /warning: the app.ci token podman sends to \S+ expires in (19|20) hours: get a new one before then: qci login --web/,
    );
    const quiet = await qci(['pull', '-q', 'ocp/4.7:my-component'], env);
    expect(quiet.stderr).toContain('expires in'); // the same credential, still dying
  });

  it("pull's automatic login warns about an older credential elsewhere, as login does", async () => {
    const env = await fresh(tb.bed.token);
    const stale = tb.bed.appci.createToken(tb.bed.user);
    tb.bed.appci.expireToken(stale);
    // Where podman does not look first, but falls back to once the new credential is gone.
    tb.storeCredential(tb.pe.authFiles.xdgConfig, stale);
    const r = await qci(['pull', '-q', 'ocp/4.7:my-component'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('logging in');
    expect(r.stderr).toMatch(
      /warning: ~\/\.config\/containers\/auth\.json holds an older QCI credential/,
    );
  });

  it('inspect logs in when podman has no credential, then reads the image', async () => {
    const env = await fresh(tb.bed.token);
    const plainHttp = { ...env, QCI_TLS_VERIFY: 'false' }; // the test registry speaks http
    const r = await qci(
      ['inspect', '--json', 'ocp/4.7:my-component'],
      plainHttp,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('logging in');
    const report = JSON.parse(r.stdout);
    expect(report.digest).toBe(tb.bed.image.digest);
    expect(report.loggedIn).toMatchObject({ user: tb.bed.user });
    expect(report.credential).toMatchObject({ source: 'auth-file' });
    // --no-login leaves it at the error.
    await tb.pe.stop();
    const env2 = await fresh(tb.bed.token);
    const no = await qci(['inspect', '--no-login', 'ocp/4.7:my-component'], {
      ...env2,
      QCI_TLS_VERIFY: 'false',
    });
    expect(no.exitCode).toBe(3);
    expect(no.stderr).not.toContain('logging in');
  });
});
