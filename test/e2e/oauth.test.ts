/**
 * qci's OAuth client (src/kube/oauth.ts) against the test bed's OAuth server: the checks a real OpenShift
 * OAuth server makes on a code exchange hold on both sides (PKCE, redirect URI, single use, expiry).
 */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QciError } from '../../src/core/errors.js';
import {
  authorizeUrl,
  discoverOAuth,
  exchangeCode,
  hasCliClient,
  listenForCallback,
  newPkce,
  type OAuthEndpoints,
} from '../../src/kube/oauth.js';
import { startFakeAppCi, type FakeAppCi } from './testbed/appci.js';
import { addOAuthServer, type FakeOAuth } from './testbed/oauth.js';
import { makeTempDir, removeDir } from './testbed/proc.js';
import { requireTools } from './testbed/tools.js';

const tools = requireTools(['openssl']);
const REDIRECT = 'http://127.0.0.1:1/callback';

describe.skipIf(!tools.ok)('OAuth client and fake OAuth server', () => {
  let dir: string;
  let appci: FakeAppCi;
  let oauth: FakeOAuth;
  let endpoints: OAuthEndpoints;
  let ca: string[];

  beforeAll(async () => {
    dir = await makeTempDir('qci-oauth-');
    appci = await startFakeAppCi({ dir });
    oauth = addOAuthServer(appci, 'alice');
    ca = [appci.caPem];
    endpoints = (await discoverOAuth(appci.url, ca))!;
  });
  afterAll(async () => {
    await appci?.stop();
    await removeDir(dir);
  });

  /** What the signed-in browser gets back from authorize: the Location's query. */
  function authorize(url: string): Promise<URLSearchParams> {
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { ca, headers: { Cookie: 'ssn=signed-in' } },
        (res) => {
          res.resume();
          resolve(new URL(String(res.headers.location)).searchParams);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  async function code(pkce = newPkce(), redirectUri = REDIRECT) {
    const q = await authorize(
      authorizeUrl(endpoints, { redirectUri, state: 's', pkce }),
    );
    return { code: q.get('code')!, pkce, state: q.get('state') };
  }

  const refused = async (p: Promise<unknown>) => {
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QciError);
    expect((error as QciError).kind).toBe('oauth-exchange');
    return error as QciError;
  };

  it('discovery names the endpoints and S256; the CLI client is known until it is not', async () => {
    expect(endpoints).toEqual({
      issuer: appci.url,
      authorize: `${appci.url}/oauth/authorize`,
      token: `${appci.url}/oauth/token`,
      s256: true,
    });
    expect(await hasCliClient(endpoints, REDIRECT, ca)).toBe(true);
    oauth.setCliClient(false);
    try {
      expect(await hasCliClient(endpoints, REDIRECT, ca)).toBe(false);
    } finally {
      oauth.setCliClient(true);
    }
    oauth.setDiscovery(false);
    try {
      expect(await discoverOAuth(appci.url, ca)).toBeNull();
    } finally {
      oauth.setDiscovery(true);
    }
  });

  it('a code is exchanged once, for a token app.ci accepts; the second time is refused', async () => {
    const c = await code();
    expect(c.state).toBe('s');
    const token = await exchangeCode(
      endpoints,
      { code: c.code, redirectUri: REDIRECT, pkce: c.pkce },
      ca,
    );
    expect(appci.tokenReview(token)).toMatchObject({
      valid: true,
      username: 'alice',
    });
    const again = await refused(
      exchangeCode(
        endpoints,
        { code: c.code, redirectUri: REDIRECT, pkce: c.pkce },
        ca,
      ),
    );
    expect(again.message).toContain('already used');
  });

  it('a wrong verifier, a different redirect URI or an expired code is refused', async () => {
    const a = await code();
    await refused(
      exchangeCode(
        endpoints,
        { code: a.code, redirectUri: REDIRECT, pkce: newPkce() },
        ca,
      ),
    );
    const b = await code();
    await refused(
      exchangeCode(
        endpoints,
        {
          code: b.code,
          redirectUri: 'http://127.0.0.1:2/callback',
          pkce: b.pkce,
        },
        ca,
      ),
    );
    oauth.setCodeLifetime(0);
    try {
      const c = await code();
      await new Promise((r) => setTimeout(r, 5));
      await refused(
        exchangeCode(
          endpoints,
          { code: c.code, redirectUri: REDIRECT, pkce: c.pkce },
          ca,
        ),
      );
    } finally {
      oauth.setCodeLifetime(5 * 60_000);
    }
  });

  it('the callback takes only its own state, and a busy port is a usage error', async () => {
    const callback = await listenForCallback(0, 'right');
    const wrong = fetch(`${callback.redirectUri}?code=x&state=wrong`).then(
      (r) => r.status,
    );
    await expect(callback.code).rejects.toMatchObject({ kind: 'oauth-state' });
    expect(await wrong).toBe(400);
    await expect(listenForCallback(callback.port, 'x')).rejects.toMatchObject({
      kind: 'callback-port-busy',
      exitCode: 2,
    });
    await callback.close();
  });
});
