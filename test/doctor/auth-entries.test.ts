/**
 * checkAuthEntries against fake probes, as gh's `Test_statusRun` does: auth files and app.ci's verdicts
 * in, findings out (id, severity, whether --fix applies it, the words and the fix).
 */
import { describe, expect, it } from 'vitest';
import { authFileRef, type AuthFileState } from '../../src/auth/index.js';
import { checkAuthEntries } from '../../src/doctor/checks/auth-entries.js';
import {
  AUTHFILE,
  authFile,
  basic,
  DEAD,
  DOCKER,
  fakeAuthProbe,
  HOST,
  LIVE,
  missingAuthfile,
  OTHER,
  PRIMARY,
  sig,
  UNSEEN,
  type FakeAuth,
} from './fake.js';

/** podman reads its primary file, then docker's; docker reads its own. */
const qci = (auth: unknown) => ({ auths: { [HOST]: auth } });
const podman = (primary: unknown, docker?: unknown): FakeAuth => ({
  podman: [
    authFile(PRIMARY, primary),
    ...(docker ? [authFile(DOCKER, docker)] : []),
  ],
  installed: ['podman'],
});
const corrupt = (path: string): AuthFileState => ({
  state: 'corrupt',
  ref: authFileRef(path),
  path,
  reason: `${path}: unexpected end of JSON input`,
  field: undefined,
});
const unreadable = (
  path: string,
  code: string,
  why: string,
): AuthFileState => ({
  state: 'unreadable',
  ref: authFileRef(path),
  path,
  reason: `${path}: ${why}`,
  code,
});
const check = async (fake: FakeAuth) =>
  checkAuthEntries(await fakeAuthProbe(fake));

/** `qci doctor --authfile AUTHFILE`: podman reads it first (4.3.1 then reads its other files). */
const withAuthfile = (
  authfile: AuthFileState,
  ...others: AuthFileState[]
): FakeAuth => ({
  podman: [authfile, ...others],
  installed: ['podman'],
  authfile: AUTHFILE,
});
const inAuthfile = (json: unknown) => authFile(AUTHFILE, json);

describe('checkAuthEntries with --authfile: what `podman --authfile PATH` sends', () => {
  // biome-ignore format: one line per case
  it.each([
    ['a missing --authfile: podman fails before sending', withAuthfile(missingAuthfile()), ['error auth.authfile-missing (safe)']],
    ['a missing --authfile hides a live entry after it', withAuthfile(missingAuthfile(), authFile(PRIMARY, qci(basic(LIVE)))), ['error auth.authfile-missing (safe)', 'ok auth.valid']],
    ['a dead token in --authfile: podman sends it', withAuthfile(inAuthfile(qci(basic(DEAD)))), ['error auth.expired (safe)']],
    ['a dead token in --authfile beside a live per-repository key', withAuthfile(inAuthfile({ auths: { [HOST]: basic(DEAD), [`${HOST}/openshift/ci`]: basic(LIVE) } })), ['warn auth.expired (safe)', 'ok auth.valid']],
    ['a live token in --authfile', withAuthfile(inAuthfile(qci(basic(LIVE)))), ['ok auth.valid']],
    ['an empty --authfile, a live entry after it (podman < 4.4 reads on)', withAuthfile(inAuthfile({}), authFile(PRIMARY, qci(basic(LIVE)))), ['ok auth.valid', 'warn auth.authfile-fallback']],
    ['an empty --authfile alone (podman ≥ 4.4)', withAuthfile(inAuthfile({})), ['warn auth.none.podman (safe)']],
  ])('%s', async (_, fake, expected) => {
    expect((await check(fake)).map(sig)).toEqual(expected);
  });

  it('a missing --authfile says what podman says, and the fix logs in into it', async () => {
    const relative = './ci-auth.json';
    const [f] = await check({
      ...withAuthfile(missingAuthfile(relative)),
      authfile: relative,
    });
    expect(f).toMatchObject({
      detail: expect.stringContaining(
        '"Error: stat ./ci-auth.json: no such file or directory"',
      ),
      fix: 'qci login --authfile ./ci-auth.json',
    });
  });
});

describe('checkAuthEntries: each QCI entry judged', () => {
  // biome-ignore format: one line per case
  it.each([
    ['a live token podman sends', podman(qci(basic(LIVE))), ['ok auth.valid']],
    ['an expired token podman sends', podman(qci(basic(DEAD))), ['error auth.expired (safe)']],
    ['an expired entry hidden behind a working one', podman(qci(basic(LIVE)), qci(basic(DEAD))), ['ok auth.valid', 'warn auth.expired (safe)']],
    ['a working entry behind an expired one', podman(qci(basic(DEAD)), qci(basic(LIVE))), ['error auth.expired (safe)', 'ok auth.valid', 'info auth.unreachable-by-logout']],
    ["another user's token", podman(qci(basic(OTHER))), ['warn auth.other-user']],
    ['a token app.ci could not check', podman(qci(basic(UNSEEN))), ['info auth.unchecked']],
    ['an identity token', podman(qci({ ...basic(LIVE), identitytoken: 'idt' })), ['error auth.identity-token (safe)']],
    ['no user:password: podman skips it', podman(qci({ auth: Buffer.from('nocolon').toString('base64') })), ['warn auth.unusable (safe)', 'warn auth.none.podman (safe)']],
    ['no QCI entry: podman sends nothing', podman({ auths: {} }), ['warn auth.none.podman (safe)']],
    ['another registry only', podman({ auths: { 'quay.io': basic(LIVE) } }), ['warn auth.none.podman (safe)']],
    ['no QCI entry, podman not installed', { ...podman({ auths: {} }), installed: [] }, []],
    ['docker with nothing for QCI', { docker: [authFile(DOCKER, {})], installed: ['docker'] }, ['info auth.none.docker']],
    ['a corrupt file', { podman: [corrupt(PRIMARY)], installed: [] }, ['error auth.corrupt']],
    ["docker's credsStore", { docker: [authFile(DOCKER, { credsStore: 'desktop', ...qci(basic(LIVE)) })], installed: [] }, ['info auth.credsstore', 'ok auth.valid']],
  ])('%s', async (_, fake, expected) => {
    expect((await check(fake)).map(sig)).toEqual(expected);
  });

  it('an expired entry hidden behind a working one is a warning, not less', async () => {
    const findings = await check(podman(qci(basic(LIVE)), qci(basic(DEAD))));
    const hidden = findings.find((f) => f.id === 'auth.expired');
    expect(hidden?.severity).toBe('warn');
    expect(hidden?.detail).toBe(
      `${HOST} in ~/.docker/config.json holds an expired or revoked app.ci token (sha256~dead…); ` +
        'nothing sends it now (another entry comes first); ' +
        "`podman logout` does not remove it (it is not in podman's primary file), so it keeps breaking pulls",
    );
    expect(hidden?.fix).toBe(
      `podman logout --authfile ~/.docker/config.json ${HOST}`,
    );
  });

  // biome-ignore format: one line per case
  it.each([
    [podman(qci(basic(LIVE))), `${HOST} in ~/.config/containers/auth.json holds a valid app.ci token; podman sends it`],
    [podman(qci(basic(DEAD))), `${HOST} in ~/.config/containers/auth.json holds an expired or revoked app.ci token (sha256~dead…); podman sends it`],
    [podman(qci(basic(OTHER))), `${HOST} in ~/.config/containers/auth.json holds another user's valid app.ci token; podman sends it`],
    [podman(qci(basic(UNSEEN))), `${HOST} in ~/.config/containers/auth.json: qci could not check its token (app.ci unreachable); podman sends it`],
    [podman({ auths: {} }), `podman has no credential for ${HOST}: its pulls from QCI fail with "unauthorized"`],
    [{ podman: [corrupt(PRIMARY)] }, `${PRIMARY}: unexpected end of JSON input: podman fails while it reads this file`],
    // An entry podman fails on, or passes over: said so, not "another entry comes first" with none there.
    [podman(qci({ auth: '!!!notbase64' })), `${HOST} in ~/.config/containers/auth.json has no usable user:password (${HOST}: unusable entry ("auth" is not valid base64)); podman fails on it before sending anything`],
    [podman(qci({ auth: Buffer.from('nocolon').toString('base64') })), `${HOST} in ~/.config/containers/auth.json has no usable user:password (${HOST}: unusable entry ("auth" does not decode to user:password (no ":"))); podman passes over it to the next entry`],
    // Not JSON to judge: podman cannot read a directory either; a file past qci's size, podman reads.
    [{ podman: [unreadable(PRIMARY, 'EISDIR', 'is a directory')] }, `${PRIMARY}: is a directory; podman cannot read it either`],
    [{ podman: [unreadable(PRIMARY, 'file-too-big', 'larger than 4 MiB; qci does not read it')] }, `${PRIMARY}: larger than 4 MiB; qci does not read it, so qci cannot tell what podman sends from it`],
  ])('says: %#', async (fake, detail) => {
    expect((await check(fake))[0]?.detail).toBe(detail);
  });

  // biome-ignore format: one line per case
  it.each([
    [podman(qci(basic(DEAD))), `podman logout --authfile ~/.config/containers/auth.json ${HOST}`],
    [podman(qci(basic(OTHER))), `podman logout --authfile ~/.config/containers/auth.json ${HOST}`],
    [podman(qci({ ...basic(LIVE), identitytoken: 'idt' })), `podman logout --authfile ~/.config/containers/auth.json ${HOST} && qci login`],
    [podman({ auths: {} }), 'qci login'],
    [{ docker: [authFile(DOCKER, {})], installed: ['docker'] }, 'qci login --engine docker'],
    [{ podman: [corrupt(PRIMARY)] }, 'fix the JSON in ~/.config/containers/auth.json, or move it away'],
    [{ podman: [unreadable(PRIMARY, 'EACCES', 'permission denied')] }, 'let yourself read it (chmod u+rw ~/.config/containers/auth.json), or move it away'],
    [{ podman: [unreadable(PRIMARY, 'file-too-big', 'larger')] }, 'make ~/.config/containers/auth.json smaller (remove the entries you no longer use), or move it away'],
    [podman(qci(basic(LIVE))), null],
  ])('fix: %#', async (fake, fix) => {
    expect((await check(fake))[0]?.fix).toBe(fix);
  });

  it('a file both engines read is judged once, naming both', async () => {
    const file = authFile(DOCKER, qci(basic(LIVE)));
    const findings = await check({ podman: [file], docker: [file] });
    expect(findings.map(sig)).toEqual(['ok auth.valid']);
    expect(findings[0]?.detail).toMatch(/; podman and docker send it$/);
  });

  it('each entry names its file, key and format for --fix', async () => {
    const [dead] = await check(podman(qci(basic(DEAD))));
    expect(dead?.subject).toEqual({
      kind: 'entry',
      file: PRIMARY,
      format: 'auth.json',
      key: HOST,
    });
  });

  it('an unchecked token says why', async () => {
    const why =
      'kube context "x" (from $KUBECONFIG) is https://api.other:6443, not app.ci';
    const [f] = await check({ ...podman(qci(basic(UNSEEN))), why });
    expect(f?.detail).toContain(`qci could not check its token (${why})`);
  });
});
