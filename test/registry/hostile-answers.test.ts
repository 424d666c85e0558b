/** What qci makes of a registry's hostile words, before any request follows them. */
import { describe, expect, it } from 'vitest';
import { QciError } from '../../src/core/errors.js';
import { instanceDigestIn } from '../../src/registry/inspect.js';
import { realmUrlOf } from '../../src/registry/ping.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('realmUrlOf: a token realm is an http(s) URL with a host, or the registry is wrong', () => {
  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'https://[zz/auth',
    'http://',
  ])('%s is refused (unsafe-realm), never asked', (realm) => {
    const error = (() => {
      try {
        realmUrlOf(realm, 'https://r.example/v2/', 'r.example');
      } catch (e) {
        return e as QciError;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(QciError);
    expect(error.kind).toBe('unsafe-realm');
    expect(error.message).toContain('names a token realm qci cannot use');
  });

  it('a relative realm is read against the registry', () =>
    expect(
      realmUrlOf('/v2/auth', 'https://r.example/v2/', 'r.example').href,
    ).toBe('https://r.example/v2/auth'));
});

describe('instanceDigestIn: an index entry of another shape is no platform', () => {
  it('null entries, numbers and non-string names are passed over, not a crash', () => {
    const index = {
      manifests: [
        null,
        7,
        { digest: 5, platform: { os: 'linux', architecture: 'amd64' } },
        { digest: D, platform: { os: 1, architecture: 'amd64' } },
        { digest: D, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    };
    expect(
      instanceDigestIn(index, { os: 'linux', architecture: 'amd64' }),
    ).toBe(D);
    expect(
      instanceDigestIn(
        { manifests: [null] },
        { os: 'linux', architecture: 'amd64' },
      ),
    ).toBeNull();
  });
});
