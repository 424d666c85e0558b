import { describe, expect, it } from 'vitest';
import { LOGIN_HINT, QCI_ACCESS_HINT } from '../../src/core/appci.js';
import { QciError } from '../../src/core/errors.js';
import { checkAppCi } from '../../src/doctor/checks/appci.js';
import type { AppCiFacts } from '../../src/session/setup.js';
import { sig } from './fake.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const inDays = (days: number) =>
  new Date(NOW.getTime() + days * 86_400_000).toISOString();
const facts = (over: Partial<AppCiFacts> = {}): AppCiFacts =>
  ({
    context: 'ci',
    contextFoundBy: 'named app.ci',
    contextFile: '/home/u/.kube/config',
    server: 'https://api.ci.l2s4.p1.openshiftapps.com:6443',
    user: 'me',
    groups: [],
    token: 'sha256~abcd…',
    tokenKind: 'oauth',
    expiresAt: inDays(20),
    expiry: 'expires in 20 days',
    qciAccess: true,
    ...over,
  }) as AppCiFacts;
const ok = (over?: Partial<AppCiFacts>) =>
  checkAppCi({ appci: { facts: facts(over), error: null }, now: NOW });
const failed = (error: QciError) =>
  checkAppCi({ appci: { facts: null, error }, now: NOW });

describe('checkAppCi', () => {
  // biome-ignore format: one line per case
  it.each([
    ['a healthy context', {}, ['ok kube.identity', 'ok kube.token', 'ok kube.access']],
    ['a token expiring in 2 days', { expiresAt: inDays(2) }, ['ok kube.identity', 'warn kube.token-expiring', 'ok kube.access']],
    ['a token expiring in 4 days', { expiresAt: inDays(4) }, ['ok kube.identity', 'ok kube.token', 'ok kube.access']],
    ['an expiry qci cannot read', { expiresAt: null, expiry: null }, ['ok kube.identity', 'ok kube.token', 'ok kube.access']],
    ['no QCI access', { qciAccess: false }, ['ok kube.identity', 'ok kube.token', 'error kube.access']],
  ])('%s', (_, over, expected) => {
    expect(ok(over).map(sig)).toEqual(expected);
  });

  // biome-ignore format: one line per case
  it.each([
    [{}, 1, 'the app.ci token sha256~abcd… expires in 20 days', null],
    [{ expiresAt: inDays(1), expiry: 'expires in 1 day' }, 1, 'the app.ci token sha256~abcd… expires in 1 day; every QCI credential made from it stops working then', LOGIN_HINT],
    [{ expiresAt: null }, 1, 'the app.ci token sha256~abcd… is valid (its expiry is not readable)', null],
    [{}, 0, 'app.ci context "ci" (named app.ci) logs you in as me', null],
    [{ qciAccess: false }, 2, 'me may not pull from QCI (app.ci denies get imagestreams/layers in ocp)', QCI_ACCESS_HINT],
  ])('%o, finding %i says: %s', (over, at, detail, fix) => {
    const f = ok(over)[at];
    expect([f?.detail, f?.fix]).toEqual([detail, fix]);
  });

  // biome-ignore format: one line per case
  it.each([
    [new QciError('no kube context', { kind: 'no-context' }), 'error kube.no-context', LOGIN_HINT],
    [new QciError('the token expired', { kind: 'token-expired', hint: 'oc login' }), 'error kube.token-expired', 'oc login'],
  ])('app.ci failing: %s', (error, expected, fix) => {
    const [f] = failed(error);
    expect([sig(f!), f?.detail, f?.fix]).toEqual([expected, error.message, fix]);
  });
});
