/** The remembered registry challenge: kept only for a realm on the registry's host, for 7 days, never past a damaged file. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.js';
import {
  challengeFile,
  rememberChallenge,
  rememberedChallenge,
} from '../../src/session/challenge-cache.js';

const HOST = 'quay-proxy.ci.openshift.org';
const OWN = `Bearer realm="https://${HOST}/v2/auth",service="${HOST}"`;
const NOW = new Date('2026-12-07T12:00:00Z');
const DAY = 86_400_000;

function where(withCacheDir = true) {
  const home = tempDir('qci-challenge-');
  if (withCacheDir)
    mkdirSync(join(home, '.cache', 'qci'), { recursive: true, mode: 0o700 });
  return { home, env: {} as Record<string, string | undefined> };
}

describe('remembered registry challenge', () => {
  it('an own-realm challenge comes back with the tags asked, in a 0600 file', async () => {
    const w = where();
    await rememberChallenge(
      w,
      HOST,
      { scheme: 'https', challenge: OWN, tags: 20 },
      NOW,
    );
    expect(statSync(challengeFile(w)).mode & 0o777).toBe(0o600);
    expect(await rememberedChallenge(w, HOST, NOW, true)).toEqual({
      scheme: 'https',
      challenge: OWN,
      tags: 20,
    });
    expect(
      await rememberedChallenge(w, 'other.example', NOW, true),
    ).toBeUndefined();
  });

  it.each([
    [
      'a realm on another host',
      `Bearer realm="https://evil.example/v2/auth",service="${HOST}"`,
    ],
    ['a realm that is no URL', 'Bearer realm="nope",service="x"'],
    ['no realm', 'Basic'],
  ])('%s is never kept', async (_, challenge) => {
    const w = where();
    await rememberChallenge(w, HOST, { scheme: 'https', challenge }, NOW);
    expect(existsSync(challengeFile(w))).toBe(false);
  });

  it.each([
    [6.9 * DAY, true],
    [7 * DAY, false],
    [-DAY, false],
  ])('%d ms old: used %s', async (age, used) => {
    const w = where();
    await rememberChallenge(w, HOST, { scheme: 'https', challenge: OWN }, NOW);
    const later = new Date(NOW.getTime() + age);
    expect(
      (await rememberedChallenge(w, HOST, later, true)) !== undefined,
    ).toBe(used);
  });

  it('a plain-http challenge (learned with TLS verification off) is used only while it is off', async () => {
    const w = where();
    const own = `Bearer realm="http://${HOST}/v2/auth",service="${HOST}"`;
    await rememberChallenge(w, HOST, { scheme: 'http', challenge: own }, NOW);
    expect(await rememberedChallenge(w, HOST, NOW, false)).toMatchObject({
      scheme: 'http',
    });
    expect(await rememberedChallenge(w, HOST, NOW, true)).toBeUndefined();
  });

  it('a fresh machine (no qci cache directory) is left without a trace', async () => {
    const w = where(false);
    await rememberChallenge(w, HOST, { scheme: 'https', challenge: OWN }, NOW);
    expect(existsSync(challengeFile(w))).toBe(false);
  });

  it.each([
    ['not json'],
    ['{"entries": []}'],
    [`{"entries": {"${HOST}": {"scheme": "ftp"}}}`],
  ])('a damaged file %j is an empty cache', async (text) => {
    const w = where();
    writeFileSync(challengeFile(w), text);
    expect(await rememberedChallenge(w, HOST, NOW, true)).toBeUndefined();
  });
});
