/**
 * The OpenShift OAuth server of the fake app.ci, on the same host and CA (openshift/oc's `oc login --web`: PKCE, the openshift-cli-client): the discovery
 * document the API server serves, an authorize endpoint that acts as a browser session already signed in
 * (with its session cookie it redirects straight back with a code, or with access_denied when consent is
 * refused; without one, to the login page), a token endpoint
 * that checks the client, the redirect URI, the PKCE S256 verifier, single use and expiry of codes, and the
 * token-request page older clusters offer instead. Tokens it issues are real tokens of the fake app.ci.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeAppCi } from './appci.js';

export const CLI_CLIENT = 'openshift-cli-client';

export interface OAuthCode {
  code: string;
  user: string;
  redirectUri: string;
  challenge: string;
  issuedAt: number;
  redeemed: boolean;
}

export interface TokenCall {
  status: number;
  error?: string;
}

export interface FakeOAuth {
  issuer: string;
  /** The user the "browser session" is signed in as (default: the first argument to addOAuthServer). */
  signIn(user: string): void;
  /** false: the cluster has no openshift-cli-client (before 4.14): authorize refuses it. */
  setCliClient(present: boolean): void;
  /** false: the API server serves no discovery document (404). */
  setDiscovery(enabled: boolean): void;
  /** 'deny': the person refuses consent; authorize redirects back with error=access_denied. */
  setConsent(consent: 'allow' | 'deny'): void;
  /** How long a code may be exchanged (default 5 minutes, as OpenShift's authorize tokens). */
  setCodeLifetime(ms: number): void;
  /** The next code is already redeemed when issued: as if someone replayed it before qci. */
  replayNextCode(): void;
  readonly codes: readonly OAuthCode[];
  readonly tokenCalls: readonly TokenCall[];
  /** Authorize requests seen, with their query (no secrets in them: the challenge is a hash). */
  readonly authorizeCalls: readonly URLSearchParams[];
}

const LOOPBACK_CALLBACK =
  /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?\/callback$/;

function json(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export function addOAuthServer(appci: FakeAppCi, user: string): FakeOAuth {
  const issuer = appci.url;
  let signedIn = user;
  let cliClient = true;
  let discovery = true;
  let consent: 'allow' | 'deny' = 'allow';
  let codeLifetime = 5 * 60_000;
  let replayNext = false;
  const codes: OAuthCode[] = [];
  const tokenCalls: TokenCall[] = [];
  const authorizeCalls: URLSearchParams[] = [];

  function authorize(
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const q = url.searchParams;
    authorizeCalls.push(new URLSearchParams(q));
    const session = /(?:^|;\s*)ssn=/.test(req.headers.cookie ?? '');
    const clientId = q.get('client_id');
    if (clientId !== CLI_CLIENT || !cliClient) {
      // osin: an unknown client gets an error page, never a redirect to an unchecked URI.
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end(
        'unauthorized_client: The client is not authorized to request a token using this method.\n',
      );
      return;
    }
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!LOOPBACK_CALLBACK.test(redirectUri)) {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('invalid_request: The redirect URI does not match.\n');
      return;
    }
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const redirect = (params: Record<string, string>) => {
      for (const [k, v] of Object.entries(params)) back.searchParams.set(k, v);
      res.writeHead(302, { Location: back.toString() });
      res.end();
    };
    if (q.get('response_type') !== 'code')
      return redirect({ error: 'unsupported_response_type' });
    const challenge = q.get('code_challenge') ?? '';
    if (q.get('code_challenge_method') !== 'S256' || challenge === '')
      return redirect({
        error: 'invalid_request',
        error_description: 'code challenge required',
      });
    // No session cookie (not the browser): off to the login page, as the real server does.
    if (!session) {
      res.writeHead(302, {
        Location: `${issuer}/login?then=${encodeURIComponent(url.pathname + url.search)}`,
      });
      res.end();
      return;
    }
    if (consent === 'deny')
      return redirect({
        error: 'access_denied',
        error_description: 'scope denied',
      });
    const code = randomBytes(32).toString('base64url');
    codes.push({
      code,
      user: signedIn,
      redirectUri,
      challenge,
      issuedAt: Date.now(),
      redeemed: replayNext,
    });
    replayNext = false;
    redirect({ code });
  }

  async function token(req: IncomingMessage, res: ServerResponse) {
    const form = new URLSearchParams(await readBody(req));
    const fail = (status: number, error: string, description: string) => {
      tokenCalls.push({ status, error });
      json(res, status, { error, error_description: description });
    };
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const clientId =
      (basic
        ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0]
        : undefined) ?? form.get('client_id');
    if (clientId !== CLI_CLIENT || !cliClient)
      return fail(401, 'unauthorized_client', 'unknown client');
    if (form.get('grant_type') !== 'authorization_code')
      return fail(400, 'unsupported_grant_type', 'only authorization_code');
    const record = codes.find((c) => c.code === form.get('code'));
    if (!record) return fail(400, 'invalid_grant', 'unknown code');
    if (record.redeemed) return fail(400, 'invalid_grant', 'code already used');
    if (Date.now() - record.issuedAt > codeLifetime)
      return fail(400, 'invalid_grant', 'code expired');
    if (form.get('redirect_uri') !== record.redirectUri)
      return fail(400, 'invalid_grant', 'redirect_uri does not match');
    const verifier = form.get('code_verifier') ?? '';
    const hashed = createHash('sha256').update(verifier).digest('base64url');
    if (hashed !== record.challenge)
      return fail(400, 'invalid_grant', 'code_verifier does not match');
    record.redeemed = true;
    const access = appci.createToken(record.user);
    tokenCalls.push({ status: 200 });
    json(res, 200, {
      access_token: access,
      token_type: 'Bearer',
      expires_in: 86_400,
      scope: 'user:full',
    });
  }

  appci.use((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      if (!discovery) {
        // The path is public: a cluster without the integrated OAuth server answers 404.
        json(res, 404, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
        });
        return true;
      }
      json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/oauth/authorize`,
        token_endpoint: `${issuer}/oauth/token`,
        scopes_supported: ['user:full', 'user:info', 'user:check-access'],
        response_types_supported: ['code', 'token'],
        grant_types_supported: ['authorization_code', 'implicit'],
        code_challenge_methods_supported: ['plain', 'S256'],
      });
      return true;
    }
    if (url.pathname === '/oauth/authorize' && req.method === 'GET') {
      authorize(url, req, res);
      return true;
    }
    if (url.pathname === '/oauth/token' && req.method === 'POST') {
      token(req, res).catch(() => res.destroy());
      return true;
    }
    if (url.pathname === '/oauth/token/request' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<form><button>Display Token</button></form>\n');
      return true;
    }
    return false;
  });

  return {
    issuer,
    signIn: (name) => void (signedIn = name),
    setCliClient: (present) => void (cliClient = present),
    setDiscovery: (enabled) => void (discovery = enabled),
    setConsent: (value) => void (consent = value),
    setCodeLifetime: (ms) => void (codeLifetime = ms),
    replayNextCode: () => void (replayNext = true),
    codes,
    tokenCalls,
    authorizeCalls,
  };
}
