import { describe, expect, it } from 'vitest';
import {
  EXPIRY_WARNING_SECONDS,
  expiresSoon,
  isOtherUsersToken,
  tokenFacts,
} from '../../src/core/token.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const HOUR = 3600_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);
const b64url = (v: unknown) =>
  Buffer.from(JSON.stringify(v)).toString('base64url');
const jwt = (claims: unknown) =>
  `${b64url({ alg: 'RS256' })}.${b64url(claims)}.sig`;

describe('expiresSoon: a live token within 48 hours of its expiry', () => {
  it('the window is 48 hours', () => {
    expect(EXPIRY_WARNING_SECONDS).toBe(48 * 3600);
  });
  // expiry, whether it gets the warning
  it.each([
    [null, false],
    [undefined, false],
    [at(-HOUR), false], // already expired: not "soon", dead
    [at(0), false],
    [at(1000), true],
    [at(48 * HOUR), true],
    [at(48 * HOUR + 1000), false],
    [at(30 * 24 * HOUR), false],
    [at(47 * HOUR).toISOString(), true], // as remembered facts hold it
  ] as const)('expires %s: %s', (expiresAt, soon) => {
    expect(expiresSoon(expiresAt, NOW)).toBe(soon);
  });
});

describe("tokenFacts: a token's expiry, read without a network call", () => {
  const exp = Math.floor(at(24 * HOUR).getTime() / 1000);
  const iat = Math.floor(NOW.getTime() / 1000);
  // name, token, expected facts
  it.each([
    [
      'a ServiceAccount JWT',
      jwt({ sub: 'system:serviceaccount:p:image-puller', exp, iat }),
      {
        kind: 'service-account',
        subject: 'system:serviceaccount:p:image-puller',
        expiresAt: new Date(exp * 1000),
        issuedAt: new Date(iat * 1000),
      },
    ],
    [
      'a JWT without exp',
      jwt({ sub: 'someone' }),
      { kind: 'unknown', subject: 'someone', expiresAt: null, issuedAt: null },
    ],
    [
      'a JWT whose exp is not a number',
      jwt({ exp: 'tomorrow' }),
      { kind: 'unknown', subject: null, expiresAt: null, issuedAt: null },
    ],
    [
      'an OAuth token (opaque)',
      `sha256~${'a'.repeat(43)}`,
      { kind: 'oauth', subject: null, expiresAt: null, issuedAt: null },
    ],
    [
      'not a token',
      'x.y',
      { kind: 'unknown', subject: null, expiresAt: null, issuedAt: null },
    ],
  ] as const)('%s', (_name, token, facts) => {
    expect(tokenFacts(token)).toEqual(facts);
  });
});

describe("isOtherUsersToken: a live token of someone else than the kube context's user", () => {
  it.each([
    ['alice', 'alice', false],
    ['bob', 'alice', true],
    ['bob', undefined, false], // no kube context to compare with
    ['system:serviceaccount:p:image-puller', 'alice', false], // automation, by design
  ] as const)('%s vs %s: %s', (username, current, other) => {
    expect(isOtherUsersToken(username, current)).toBe(other);
  });
});
