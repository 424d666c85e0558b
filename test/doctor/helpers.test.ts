/** The credential helpers asked for QCI, and docker-credential-qci, against fake probes. */
import { describe, expect, it } from 'vitest';
import type { HelperAnswer } from '../../src/auth/index.js';
import { LOGIN_HINT } from '../../src/core/appci.js';
import {
  checkHelperAnswers,
  checkOwnHelper,
} from '../../src/doctor/checks/helpers.js';
import {
  authFile,
  DEAD,
  DOCKER,
  fakeAuthProbe,
  HOST,
  LIVE,
  OTHER,
  PRIMARY,
  sig,
  UNSEEN,
  type FakeAuth,
} from './fake.js';

const found = (secret: string, user = 'me'): HelperAnswer => ({
  state: 'found',
  user,
  secret: () => secret,
});
/** podman's primary file sends QCI to docker-credential-pass, which answers so. */
const pass = (answer: HelperAnswer): FakeAuth => ({
  podman: [authFile(PRIMARY, { credHelpers: { [HOST]: 'pass' } })],
  helpers: { pass: answer },
});
/** docker's credsStore, docker-credential-desktop, answers so. */
const store = (answer: HelperAnswer): FakeAuth => ({
  docker: [authFile(DOCKER, { credsStore: 'desktop' })],
  helpers: { desktop: answer },
});
const answers = async (fake: FakeAuth) =>
  checkHelperAnswers(await fakeAuthProbe(fake));
const FIX_OR_RELOGIN = 'qci doctor --fix (or: qci logout && qci login)';

describe('checkHelperAnswers: what a helper answers, judged', () => {
  // biome-ignore format: one line per case
  it.each([
    ['a live token', pass(found(LIVE)), ['ok auth.helper'], null],
    ['a token app.ci could not check', pass(found(UNSEEN)), ['info auth.helper'], null],
    ['an expired token', pass(found(DEAD)), ['error auth.helper-expired (safe)'], FIX_OR_RELOGIN],
    ["another user's token", pass(found(OTHER)), ['warn auth.helper-other-user'], 'qci logout && qci login'],
    ['an identity token', pass(found(LIVE, '<token>')), ['error auth.helper-identity-token (safe)'], FIX_OR_RELOGIN],
    ['an empty secret', pass(found('')), ['error auth.helper-empty'], 'qci logout && qci login'],
    ["docker's credsStore with an expired token", store(found(DEAD)), ['error auth.helper-expired (safe)'], FIX_OR_RELOGIN],
    ['nothing stored in the helper', pass({ state: 'not-found' }), [], null],
  ])('%s', async (_, fake, expected, fix) => {
    const findings = await answers(fake);
    expect(findings.map(sig)).toEqual(expected);
    if (findings[0]) expect(findings[0].fix).toBe(fix);
  });

  // biome-ignore format: one line per case
  it.each([
    [pass(found(DEAD)), `credHelpers docker-credential-pass in ~/.config/containers/auth.json answers for ${HOST} with an expired or revoked app.ci token (sha256~dead…); podman sends it`],
    [pass(found(LIVE)), `credHelpers docker-credential-pass in ~/.config/containers/auth.json answers for ${HOST} with a valid app.ci token (sha256~live…); podman sends it`],
    [store(found(UNSEEN)), `credsStore docker-credential-desktop in ~/.docker/config.json answers for ${HOST} with a token qci could not check (app.ci unreachable) (sha256~not-…); docker sends it`],
  ])('says: %#', async (fake, detail) => {
    expect((await answers(fake))[0]?.detail).toBe(detail);
  });

  // The remedy --fix gives when the helper cannot erase: podman's file for credHelpers, docker's otherwise.
  // biome-ignore format: one line per case
  it.each([
    [pass(found(DEAD)), { kind: 'helper', helper: 'pass', file: '~/.config/containers/auth.json', remedy: `podman logout --authfile ~/.config/containers/auth.json ${HOST}` }],
    [store(found(DEAD)), { kind: 'helper', helper: 'desktop', file: '~/.docker/config.json', remedy: `docker logout ${HOST}` }],
  ])('a dead secret names its helper for --fix: %#', async (fake, subject) => {
    expect((await answers(fake))[0]?.subject).toEqual(subject);
  });

  it('one helper asked by podman and docker for one file is one finding', async () => {
    const file = authFile(DOCKER, { credHelpers: { [HOST]: 'pass' } });
    const fake = {
      podman: [file],
      docker: [file],
      helpers: { pass: found(DEAD) },
    };
    expect((await answers(fake)).map(sig)).toEqual([
      'error auth.helper-expired (safe)',
    ]);
  });

  it('two URL-form keys that send different things: the engine picks at random', async () => {
    const file = authFile(PRIMARY, {
      auths: {
        [`https://${HOST}`]: { auth: Buffer.from('me:a').toString('base64') },
        [`https://${HOST}/v1/`]: {
          auth: Buffer.from('me:b').toString('base64'),
        },
      },
    });
    const [f] = await answers({ podman: [file] });
    expect(sig(f!)).toBe('error auth.ambiguous');
    expect(f?.fix).toBe(
      `podman logout --authfile ~/.config/containers/auth.json https://${HOST} && ` +
        `podman logout --authfile ~/.config/containers/auth.json https://${HOST}/v1/ && qci login`,
    );
  });
});

describe('checkOwnHelper: docker-credential-qci', () => {
  const own = async (fake: FakeAuth) =>
    checkOwnHelper(await fakeAuthProbe(fake), '~/.config/containers/auth.json');
  const installed = ['podman', 'docker-credential-qci'];
  const current = (token: string) => ({ token, source: 'kube context "ci"' });

  // biome-ignore format: one line per case
  it.each([
    ['answers with a live token', { installed, current: current(LIVE) }, 'ok auth.helper', null],
    ['answers with a token not checked', { installed, current: current(UNSEEN) }, 'ok auth.helper', null],
    ['answers with an expired token', { installed, current: current(DEAD) }, 'error auth.helper-expired', LOGIN_HINT],
    ['has no token to answer with', { installed, current: new Error('no kube context') }, 'error auth.helper-no-token', LOGIN_HINT],
    ['is not on PATH', { installed: ['podman'], current: current(LIVE) }, 'error auth.helper-missing', 'npm install -g . in the qci checkout (or put its bin/ on PATH), or: qci logout --helper'],
  ])('%s', async (_, fake, expected, fix) => {
    const f = await own(fake);
    expect(sig(f)).toBe(expected);
    expect(f.fix).toBe(fix);
  });

  // biome-ignore format: one line per case
  it.each([
    [{ installed, current: current(UNSEEN) }, `~/.config/containers/auth.json sends ${HOST} to docker-credential-qci, which answers with the token of kube context "ci" (not checked: app.ci unreachable)`],
    [{ installed, current: current(DEAD) }, `~/.config/containers/auth.json sends ${HOST} to docker-credential-qci, which answers with the token of kube context "ci" (sha256~dead…): it has expired or was revoked`],
    [{ installed, current: new Error('no kube context') }, `~/.config/containers/auth.json sends ${HOST} to docker-credential-qci, which has no token to answer with: no kube context`],
  ])('says: %#', async (fake, detail) => {
    expect((await own(fake)).detail).toBe(detail);
  });
});
