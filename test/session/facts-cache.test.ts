import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../helpers/temp.js';
import {
  UNKNOWN_EXPIRY_KEPT_MS,
  factsCacheFile,
  recallFacts,
  recallToken,
  rememberFacts,
  rememberRejection,
} from '../../src/session/facts-cache.js';

const TOKEN = `sha256~${'A'.repeat(43)}`;
const T0 = new Date('2026-11-29T12:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const facts = (expiresAt: string | null) => ({
  user: 'alice',
  expiresAt,
  qciAccess: true,
  server: 'https://api.ci.l2s4.p1.openshiftapps.com:6443',
});
const where = () => {
  const home = tempDir('qci-facts-');
  return { home, env: {} as Record<string, string | undefined> };
};
const DAY = 86_400_000;

describe('the cache of what app.ci proved', () => {
  it.each([
    ['just proved', 0, T0.getTime() + 20 * DAY, true],
    ['11 minutes later', 11 * 60_000, T0.getTime() + 20 * DAY, true],
    ['19 days later', 19 * DAY, T0.getTime() + 20 * DAY, true],
    [
      'a minute before the token expires',
      DAY - 60_000,
      T0.getTime() + DAY,
      true,
    ],
    ['once the token has expired', DAY, T0.getTime() + DAY, false],
    ['a clock gone backwards', -60_000, T0.getTime() + 20 * DAY, false],
  ])('%s', async (_, later, expires, hit) => {
    const w = where();
    await rememberFacts(w, TOKEN, facts(new Date(expires).toISOString()), T0);
    const got = await recallFacts(w, TOKEN, at(later));
    expect(got !== null).toBe(hit);
  });

  it("a token whose expiry is unknown counts for app.ci's longest token life; another token is unknown", async () => {
    const w = where();
    await rememberFacts(w, TOKEN, facts(null), T0);
    expect((await recallFacts(w, TOKEN, T0))?.user).toBe('alice');
    expect(
      await recallFacts(w, TOKEN, at(UNKNOWN_EXPIRY_KEPT_MS)),
    ).not.toBeNull();
    expect(
      await recallFacts(w, TOKEN, at(UNKNOWN_EXPIRY_KEPT_MS + 1)),
    ).toBeNull();
    expect(await recallFacts(w, `${TOKEN}x`, T0)).toBeNull();
  });

  it('is a private file under XDG_CACHE_HOME that names the token only by a hash', async () => {
    const w = where();
    w.env.XDG_CACHE_HOME = join(w.home, 'xdg-cache');
    await rememberFacts(w, TOKEN, facts(null), T0);
    const file = factsCacheFile(w);
    expect(file).toBe(join(w.home, 'xdg-cache', 'qci', 'appci-facts.json'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('A'.repeat(20));
  });

  it.each([
    ['live', T0.getTime() + DAY, 0, 'live'],
    ['expired', T0.getTime() + DAY, 2 * DAY, 'expired'],
    ['expired long ago: nothing', T0.getTime() + DAY, 30 * DAY, 'nothing'],
  ])('a proved token is known %s', async (_, expires, later, known) => {
    const w = where();
    await rememberFacts(w, TOKEN, facts(new Date(expires).toISOString()), T0);
    expect((await recallToken(w, TOKEN, at(later))).known).toBe(known);
  });

  it('a rejection replaces the facts and is remembered; the next proof replaces it', async () => {
    const w = where();
    await rememberFacts(w, TOKEN, facts(null), T0);
    await rememberRejection(w, TOKEN, 'registry', at(60_000));
    expect(await recallToken(w, TOKEN, at(120_000))).toEqual({
      known: 'rejected',
      rejection: { rejectedAt: at(60_000).toISOString(), by: 'registry' },
    });
    expect(await recallFacts(w, TOKEN, at(120_000))).toBeNull();
    await rememberFacts(w, TOKEN, facts(null), at(180_000));
    expect((await recallToken(w, TOKEN, at(180_000))).known).toBe('live');
    expect((await recallToken(w, `${TOKEN}x`, T0)).known).toBe('nothing');
  });

  it('forgets a rejected token and keeps the others; a damaged file is an empty cache', async () => {
    const w = where();
    await rememberFacts(w, TOKEN, facts(null), T0);
    await rememberFacts(w, `${TOKEN}2`, facts(null), T0);
    await rememberRejection(w, TOKEN, 'app.ci', T0);
    expect(await recallFacts(w, TOKEN, T0)).toBeNull();
    expect(await recallFacts(w, `${TOKEN}2`, T0)).not.toBeNull();

    const file = factsCacheFile(w);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{"entries": {"x": {"user": 1}}');
    expect(await recallFacts(w, `${TOKEN}2`, T0)).toBeNull();
    await rememberFacts(w, TOKEN, facts(null), T0);
    expect(await recallFacts(w, TOKEN, T0)).not.toBeNull();
  });
});
