/**
 * qci login through the injected setup (fake engine runner, app.ci client and clock): what is proved,
 * what reaches the user's file, and what is remembered. test/e2e/login.test.ts runs the real podman.
 */
import { describe, expect, it } from 'vitest';
import { QciError } from '../../src/core/errors.js';
import { recallToken } from '../../src/session/facts-cache.js';
import { loginToQci } from '../../src/session/login.js';
import { NOW, fakeSetup } from './fake-setup.js';

describe('qci login through the injected setup', () => {
  it('proves the token once, logs podman in with it on stdin only, and remembers the facts', async () => {
    const fake = fakeSetup();
    const report = await loginToQci(fake.setup, {});
    expect(report.user).toBe('alice');
    expect(report.authFile).toBe(fake.authFile);
    expect(report.expiresAt).toBe(fake.appci.expiresAt?.toISOString());
    expect(fake.appci.proofs).toBe(1);
    const [login] = fake.runs;
    expect(login?.input).toBe(fake.appci.token);
    expect(login?.args.join(' ')).not.toContain(fake.appci.token);
    expect(fake.storedCredential()).toBe(`alice:${fake.appci.token}`);
    const known = await recallToken(fake.setup, fake.appci.token, NOW);
    expect(known.known === 'live' && known.facts.user).toBe('alice');
  });

  it.each([
    ['no QCI access', { qciAccess: false }, 'denied', 4],
    ['a dead token', { dead: true }, 'token-expired', 3],
  ] as const)(
    '%s: fails as %s, writes nothing',
    async (_, appci, kind, exit) => {
      const fake = fakeSetup(appci);
      const error = await loginToQci(fake.setup, {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QciError);
      expect((error as QciError).kind).toBe(kind);
      expect((error as QciError).exitCode).toBe(exit);
      expect(fake.storedCredential()).toBeNull();
    },
  );

  it("a dead token is remembered as app.ci's rejection", async () => {
    const fake = fakeSetup({ dead: true });
    await loginToQci(fake.setup, {}).catch(() => {});
    const known = await recallToken(fake.setup, fake.appci.token, NOW);
    expect(known).toMatchObject({
      known: 'rejected',
      rejection: { by: 'app.ci' },
    });
  });

  it('Ctrl-C before app.ci answers: interrupted, nothing written', async () => {
    const fake = fakeSetup();
    const cancel = new AbortController();
    cancel.abort();
    const error = await loginToQci(fake.setup, { signal: cancel.signal }).catch(
      (e: unknown) => e,
    );
    expect((error as QciError).kind).toBe('interrupted');
    expect(fake.storedCredential()).toBeNull();
  });
});
