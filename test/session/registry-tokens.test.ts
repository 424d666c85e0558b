/**
 * The registry's pull token kept between runs: until the earliest of its JWT `exp` and the service's
 * `expires_in` (less a minute), for the credential it was asked with only, in a 0600 file beside qci's
 * cache, never past a damaged file; forgotten by host.
 */
import { describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.js';
import {
  forgetRegistryTokens,
  jwtExpiry,
  keepRegistryToken,
  keepUntil,
  keptRegistryToken,
  registryTokenFile,
} from '../../src/session/registry-tokens.js';

const HOST = 'quay-proxy.ci.openshift.org';
const SCOPE = 'repository:openshift/ci:pull';
const NOW = new Date('2026-12-07T12:00:00Z');
const ALICE = { user: 'alice', password: 'sha256~alice-token-0123456789' };
const BOB = { user: 'alice', password: 'sha256~another-token-987654321' };
const MIN = 60_000;

/** A JWT-shaped token whose payload says `exp` (the signature is not checked by qci). */
const jwt = (exp: number) =>
  `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.c2ln`;

function where(withCacheDir = true) {
  const home = tempDir('qci-registry-tokens-');
  if (withCacheDir)
    mkdirSync(join(home, '.cache', 'qci'), { recursive: true, mode: 0o700 });
  return { home, env: {} as Record<string, string | undefined> };
}

describe('how long a token is kept', () => {
  it("the earliest of the JWT's exp, expires_in and an hour, less a minute; 60 s when neither says", () => {
    const in6h = NOW.getTime() / 1000 + 6 * 3600;
    expect(jwtExpiry(jwt(in6h))).toBe(in6h);
    expect(jwtExpiry('opaque-token')).toBeNull();
    expect(jwtExpiry('a.%%%.c')).toBeNull();
    const at = (m: Parameters<typeof keepUntil>[0]) =>
      (keepUntil(m, NOW).getTime() - NOW.getTime()) / MIN;
    // quay-proxy's 6 hours are kept one hour at most.
    expect(at({ token: jwt(in6h), expiresIn: 21600 })).toBe(59);
    expect(at({ token: jwt(in6h), expiresIn: 300 })).toBe(4);
    // quay-proxy's answer: {"token": <JWT>} only, so the JWT's exp stands (within the hour).
    expect(at({ token: jwt(in6h) })).toBe(59);
    expect(at({ token: jwt(NOW.getTime() / 1000 + 600) })).toBe(9);
    expect(at({ token: 'opaque', expiresIn: 3600 })).toBe(59);
    expect(at({ token: 'opaque' })).toBe(0);
    // issued_at moves the start; a longer lifetime is cut to the hour.
    expect(
      at({
        token: 'opaque',
        expiresIn: 3600,
        issuedAt: new Date(NOW.getTime() - 30 * MIN).toISOString(),
      }),
    ).toBe(29);
    expect(at({ token: 'opaque', expiresIn: 10 ** 9 })).toBe(59);
  });
});

describe('the kept token', () => {
  const six = () => jwt(NOW.getTime() / 1000 + 6 * 3600);

  it('comes back for the same registry, scope and credential, from a 0600 file without the credential', async () => {
    const w = where();
    const token = six();
    await keepRegistryToken(w, HOST, SCOPE, ALICE, { token }, NOW);
    await keepRegistryToken(
      w,
      HOST,
      SCOPE,
      ALICE,
      { token, expiresIn: 21600 },
      NOW,
    );
    const file = registryTokenFile(w);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(ALICE.password);
    expect(await keptRegistryToken(w, HOST, SCOPE, ALICE, NOW)).toBe(token);
    expect(await keptRegistryToken(w, HOST, SCOPE, BOB, NOW)).toBeUndefined();
    expect(
      await keptRegistryToken(w, 'other.example', SCOPE, ALICE, NOW),
    ).toBeUndefined();
    expect(
      await keptRegistryToken(w, HOST, 'repository:x:pull', ALICE, NOW),
    ).toBeUndefined();
    expect(await keptRegistryToken(w, HOST, SCOPE, null, NOW)).toBeUndefined();
  });

  it('is not sent past its time', async () => {
    const w = where();
    await keepRegistryToken(
      w,
      HOST,
      SCOPE,
      ALICE,
      { token: six(), expiresIn: 21600 },
      NOW,
    );
    const later = (minutes: number) => new Date(NOW.getTime() + minutes * MIN);
    expect(await keptRegistryToken(w, HOST, SCOPE, ALICE, later(58))).toBe(
      six(),
    );
    expect(
      await keptRegistryToken(w, HOST, SCOPE, ALICE, later(59)),
    ).toBeUndefined();
  });

  it('a fresh machine gets no file; an anonymous or short-lived token is not kept', async () => {
    const fresh = where(false);
    await keepRegistryToken(fresh, HOST, SCOPE, ALICE, { token: six() }, NOW);
    expect(existsSync(registryTokenFile(fresh))).toBe(false);
    const w = where();
    await keepRegistryToken(w, HOST, SCOPE, null, { token: six() }, NOW);
    await keepRegistryToken(
      w,
      HOST,
      SCOPE,
      ALICE,
      { token: 'opaque', expiresIn: 30 },
      NOW,
    );
    expect(existsSync(registryTokenFile(w))).toBe(false);
  });

  it('a damaged or hostile file is an empty cache, and is replaced by the next keep', async () => {
    const w = where();
    const file = registryTokenFile(w);
    for (const text of [
      '{not json',
      'null',
      JSON.stringify({ entries: { [`${HOST} ${SCOPE}`]: { token: 5 } } }),
      // Right credential and time, but a token too long to be one.
      JSON.stringify({
        entries: {
          [`${HOST} ${SCOPE}`]: {
            credential: createHash('sha256')
              .update(`${ALICE.user}:${ALICE.password}`)
              .digest('hex'),
            token: 'y'.repeat(20_000),
            expiresAt: '2099-01-01T00:00:00Z',
          },
        },
      }),
    ]) {
      writeFileSync(file, text, { mode: 0o600 });
      expect(
        await keptRegistryToken(w, HOST, SCOPE, ALICE, NOW),
      ).toBeUndefined();
    }
    await keepRegistryToken(w, HOST, SCOPE, ALICE, { token: six() }, NOW);
    expect(await keptRegistryToken(w, HOST, SCOPE, ALICE, NOW)).toBe(six());
  });

  it('forgetting a registry removes its tokens only, and the file when it empties', async () => {
    const w = where();
    await keepRegistryToken(w, HOST, SCOPE, ALICE, { token: six() }, NOW);
    await keepRegistryToken(
      w,
      'other.example',
      SCOPE,
      ALICE,
      { token: six() },
      NOW,
    );
    expect(await forgetRegistryTokens(w, HOST)).toBe(true);
    expect(await keptRegistryToken(w, HOST, SCOPE, ALICE, NOW)).toBeUndefined();
    expect(await keptRegistryToken(w, 'other.example', SCOPE, ALICE, NOW)).toBe(
      six(),
    );
    expect(await forgetRegistryTokens(w, HOST)).toBe(false);
    expect(await forgetRegistryTokens(w, 'other.example')).toBe(true);
    expect(existsSync(registryTokenFile(w))).toBe(false);
  });
});
