/**
 * qci pull's pre-flight and retry through the injected setup (fake engine runner, app.ci client and
 * clock): when app.ci is asked, and what runs. test/e2e/pull.test.ts runs the real podman.
 */
import { describe, expect, it } from 'vitest';
import {
  recallToken,
  rememberFacts,
  rememberRejection,
} from '../../src/session/facts-cache.js';
import { pullImages } from '../../src/session/pull.js';
import {
  DAY,
  NOW,
  UNAUTHORIZED,
  fakeSetup,
  pullOptions,
  type Fake,
} from './fake-setup.js';

const STORED = `sha256~${'S'.repeat(43)}`;
const at = (ms: number) => new Date(NOW.getTime() + ms);
const pulls = (fake: Fake) => fake.runs.filter((r) => r.args[0] === 'pull');
const logins = (fake: Fake) => fake.runs.filter((r) => r.args[0] === 'login');
const remember = (fake: Fake, expiresAt: Date | null, provedAt: Date) =>
  rememberFacts(
    fake.setup,
    STORED,
    {
      user: 'alice',
      expiresAt: expiresAt?.toISOString() ?? null,
      qciAccess: true,
      server: 'https://api.ci.test:6443',
    },
    provedAt,
  );
const pull = (fake: Fake, more: Record<string, unknown> = {}) =>
  pullImages(fake.setup, ['ocp/4.7:cli'], pullOptions(fake, more));

describe('qci pull: the pre-flight asks app.ci only for a credential known to be dead, or none', () => {
  it.each([
    // case, facts (expires in, proved ago) or a rejection, state, app.ci connected
    ['proved a minute ago', [20 * DAY, 60_000], 'ok', 0],
    ['proved 19 days ago, not expired', [20 * DAY, 19 * DAY], 'ok', 0],
    ['never proved by qci (podman login by hand)', null, 'unchecked', 0],
    ['expired since it was proved', [-DAY, 2 * DAY], 'login-needed', 1],
    ['rejected by the registry before', 'registry', 'login-needed', 1],
    ['rejected by app.ci before', 'app.ci', 'login-needed', 1],
  ] as const)('a stored token %s', async (_, known, state, connects) => {
    const fake = fakeSetup();
    fake.storeCredential('alice', STORED);
    if (typeof known === 'string')
      await rememberRejection(fake.setup, STORED, known, at(-DAY));
    else if (known) await remember(fake, at(known[0]), at(-known[1]));
    const report = await pull(fake);
    expect(report.exitCode, fake.said.join('\n')).toBe(0);
    expect(report.preflight.state).toBe(state);
    expect(fake.appci.connects).toBe(connects);
    expect(fake.appci.proofs).toBe(connects);
    expect(logins(fake)).toHaveLength(connects);
    expect(pulls(fake)).toHaveLength(1);
  });

  it('no credential at all: one login (app.ci asked once), then one pull', async () => {
    const fake = fakeSetup();
    const report = await pull(fake);
    expect(report.exitCode).toBe(0);
    expect(fake.said[0]).toBe(
      'podman has no credential for qci.test; logging in',
    );
    expect(fake.said[1]).toBe('logged in to qci.test as alice');
    expect(fake.appci.proofs).toBe(1);
    expect(fake.runs.map((r) => r.args[0])).toEqual(['login', 'pull']);
    expect(fake.storedCredential()).toBe(`alice:${fake.appci.token}`);
  });

  it.each([
    ['expired an hour ago: logs in first', -3_600_000, 'login-needed', 1],
    [
      'expiring in 20 hours: a warning, no login',
      20 * 3_600_000,
      'unchecked',
      0,
    ],
  ] as const)(
    'a ServiceAccount token (a JWT) never proved, %s',
    async (_, expiresIn, state, connects) => {
      const fake = fakeSetup();
      const part = (o: object) =>
        Buffer.from(JSON.stringify(o)).toString('base64url');
      const jwt = `${part({ alg: 'RS256' })}.${part({
        sub: 'system:serviceaccount:p:image-puller',
        exp: Math.floor((NOW.getTime() + expiresIn) / 1000),
      })}.sig`;
      fake.storeCredential('p/image-puller', jwt);
      const report = await pull(fake);
      expect(report.preflight.state).toBe(state);
      expect(fake.appci.connects).toBe(connects);
      if (connects === 0)
        expect(fake.said.join('\n')).toContain('expires in 20 hours');
    },
  );

  it('the expiry warning comes from remembered facts, without asking app.ci', async () => {
    const fake = fakeSetup();
    fake.storeCredential('alice', STORED);
    await remember(fake, at(DAY), at(-10 * DAY));
    await pull(fake);
    expect(fake.appci.connects).toBe(0);
    expect(fake.said.join('\n')).toMatch(
      /warning: the app\.ci token podman sends to qci\.test expires in 24 hours: get a new one before then/,
    );
  });

  it('a registry rejection: remembered, one line, one login, one retry; app.ci asked only then', async () => {
    const fake = fakeSetup();
    fake.storeCredential('alice', STORED);
    await remember(fake, at(20 * DAY), at(-DAY));
    fake.pullAnswers.push(UNAUTHORIZED);
    const report = await pull(fake);
    expect(report.exitCode).toBe(0);
    expect(fake.runs.map((r) => r.args[0])).toEqual(['pull', 'login', 'pull']);
    expect(fake.appci.proofs).toBe(1);
    expect(fake.said).toEqual([
      'the error above: qci.test rejected the credential podman sent (qci.test in ~/run/containers/auth.json), an expired or revoked app.ci token; logging in again and retrying once',
      'logged in to qci.test as alice',
    ]);
    expect(report.preflight.loggedIn?.user).toBe('alice');
    expect((await recallToken(fake.setup, STORED, NOW)).known).toBe('rejected');
    expect(fake.storedCredential()).toBe(`alice:${fake.appci.token}`);
  });

  it('a rejection, then a login that finds no QCI access: the access finding, exit 4, no retry', async () => {
    const fake = fakeSetup({ qciAccess: false });
    fake.storeCredential('alice', STORED);
    fake.pullAnswers.push(UNAUTHORIZED);
    const report = await pull(fake);
    expect(report.exitCode).toBe(4);
    expect(report.results[0]?.message).toContain('alice may not pull from QCI');
    expect(pulls(fake)).toHaveLength(1);
  });

  it('a rejection with --no-login: explained, not retried, app.ci never asked', async () => {
    const fake = fakeSetup();
    fake.storeCredential('alice', STORED);
    fake.pullAnswers.push(UNAUTHORIZED);
    const report = await pull(fake, { login: false });
    expect(report.exitCode).toBe(3);
    expect(fake.appci.connects).toBe(0);
    expect(pulls(fake)).toHaveLength(1);
  });

  it('--dry-run with a dead token says it would log in, and runs nothing', async () => {
    const fake = fakeSetup();
    fake.storeCredential('alice', STORED);
    await rememberRejection(fake.setup, STORED, 'registry', at(-60_000));
    const report = await pull(fake, { dryRun: true });
    expect(report.exitCode).toBe(0);
    expect(fake.runs).toEqual([]);
    expect(fake.appci.connects).toBe(0);
    expect(fake.said[0]).toMatch(
      /expired or revoked app\.ci token \(registry rejected it\); qci would log in first:/,
    );
  });
});
