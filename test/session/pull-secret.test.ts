import { describe, expect, it } from 'vitest';
import { QciError } from '../../src/core/errors.js';
import { mergeEntries } from '../../src/session/pull-secret.js';
import { checkApplyTarget } from '../../src/session/pull-secret-apply.js';

const QCI = 'quay-proxy.ci.openshift.org';
const secret = { auths: { [QCI]: { auth: 'bmV3OnRva2Vu' } } };

describe('mergeEntries: the QCI entry in, everything else kept where it was', () => {
  it.each([
    [
      'another registry and a non-auth key',
      { auths: { 'quay.io': { auth: 'eA==' } }, HttpHeaders: { a: 'b' } },
      {
        auths: { 'quay.io': { auth: 'eA==' }, ...secret.auths },
        HttpHeaders: { a: 'b' },
      },
    ],
    [
      'an older QCI entry, replaced in its place',
      {
        auths: {
          [QCI]: { auth: 'b2xk', email: 'x' },
          'quay.io': { auth: 'eA==' },
        },
      },
      { auths: { ...secret.auths, 'quay.io': { auth: 'eA==' } } },
    ],
    [
      "the host's URL and per-repository keys, which would win over it, removed",
      {
        auths: {
          [`https://${QCI}/v1/`]: { auth: 'b2xk' },
          [`${QCI}/openshift/ci`]: { auth: 'b2xk' },
          'quay.io': { auth: 'eA==' },
        },
      },
      { auths: { 'quay.io': { auth: 'eA==' }, ...secret.auths } },
    ],
    [
      'no auths at all',
      { credHelpers: {} },
      { credHelpers: {}, auths: secret.auths },
    ],
    ['auths: null', { auths: null }, { auths: secret.auths }],
  ])('%s', (_name, before: Record<string, unknown>, after) => {
    mergeEntries(before, secret, 'ps.txt');
    expect(before).toEqual(after);
    expect(JSON.stringify(before)).toBe(JSON.stringify(after)); // order too
  });
  it('refuses an auths that is not an object, naming the file', () => {
    expect(() => mergeEntries({ auths: [] }, secret, 'ps.txt')).toThrow(
      /cannot update ps\.txt: "auths" must be a JSON object/,
    );
  });
});

describe('checkApplyTarget: the --apply flags, before any token is minted', () => {
  it.each([
    [{}, undefined],
    [
      { namespace: 'ci', name: 'qci-pull' },
      { namespace: 'ci', name: 'qci-pull' },
    ],
    [
      { namespace: 'ci', name: 'p', linkServiceAccount: 'default' },
      { namespace: 'ci', name: 'p' },
    ],
  ])('%j → secret %j', (flags, target) => {
    expect(checkApplyTarget(flags).secret).toEqual(target);
  });
  it.each([
    [{ namespace: 'ci' }, '--namespace and --name go together'],
    [{ name: 'x' }, '--namespace and --name go together'],
    [
      { linkServiceAccount: 'default' },
      '--link-service-account needs --namespace',
    ],
    [{ namespace: 'CI', name: 'x' }, '--namespace'],
    [{ namespace: 'ci', name: 'x/y' }, '--name'],
  ])('%j is refused: %s', (flags, message) => {
    let error: unknown;
    try {
      checkApplyTarget(flags);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QciError);
    expect((error as QciError).exitCode).toBe(2);
    expect((error as QciError).message).toContain(message);
  });
});
