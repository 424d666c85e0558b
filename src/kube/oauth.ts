/**
 * `oc login --web` without oc (`openshift/oc pkg/cli/login`, library-go `pkg/oauth/tokenrequest`): the OAuth 2.0
 * authorization-code grant with PKCE (S256) for the `openshift-cli-client` client, endpoints from
 * SERVER/.well-known/oauth-authorization-server, a loopback callback on 127.0.0.1 at /callback, a random
 * `state` checked on the way back, and the code exchanged with the verifier. qci's transport (src/io/http.ts),
 * not client-node: no kubeconfig exists yet. Errors say what happened, never a code, verifier or token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { MAX_BYTES, readFileSafeSync } from '../io/read.js';
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { rootCertificates } from 'node:tls';
import { QciError, usageError } from '../core/errors.js';
import { NETWORK_REASONS } from './appci-errors.js';
import {
  errorCode,
  failureKind,
  fetchBuffered,
  type Outgoing,
} from '../io/http.js';

export const CLI_CLIENT_ID = 'openshift-cli-client';
const DISCOVERY_PATH = '/.well-known/oauth-authorization-server';
const REQUEST_TIMEOUT_MS = 15_000;
/** Discovery documents and token answers are small: what is past this is not read into memory. */
const MAX_ANSWER_BYTES = 1_000_000;

export interface OAuthEndpoints {
  issuer: string;
  authorize: string;
  token: string;
  /** Whether the server takes PKCE S256 (OpenShift has since 3.x). */
  s256: boolean;
}

/** PEM certificates to trust: the system's, NODE_EXTRA_CA_CERTS and --certificate-authority (as oc adds). */
export function trustedCas(
  env: Record<string, string | undefined>,
  caFile: string | undefined,
): string[] | undefined {
  if (caFile === undefined) return undefined; // Node's default store, NODE_EXTRA_CA_CERTS included
  const read = (path: string, what: string) => {
    try {
      // The one safe read: a FIFO or /dev/urandom named here is refused, not waited on.
      return readFileSafeSync(path, { maxBytes: MAX_BYTES.kubeconfig, what });
    } catch (error) {
      if (error instanceof QciError) throw error;
      throw usageError(
        `cannot read ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  };
  const extra = env.NODE_EXTRA_CA_CERTS;
  return [
    ...rootCertificates,
    ...(extra ? [read(extra, 'NODE_EXTRA_CA_CERTS')] : []),
    read(caFile, '--certificate-authority'),
  ];
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP(S) request, no redirects followed, a timeout; network errors become QciErrors naming `what`. */
async function send(
  url: string,
  what: string,
  options: Outgoing & { ca?: string[] | undefined } = {},
): Promise<Answer> {
  const target = new URL(url);
  const { ca, ...outgoing } = options;
  try {
    const answer = await fetchBuffered(target, outgoing, {
      ...(ca ? { ca } : {}),
      idleTimeoutMs: REQUEST_TIMEOUT_MS,
      maxBytes: MAX_ANSWER_BYTES,
      overflow: 'truncate',
    });
    return { ...answer, body: answer.body.toString('utf8') };
  } catch (error) {
    throw unreachable(what, target.origin, error);
  }
}

function unreachable(what: string, origin: string, error: unknown): QciError {
  const code = errorCode(error) || 'error';
  const tls = failureKind(error) === 'certificate';
  return new QciError(
    `cannot reach ${what} (${origin}): ${tls ? `TLS certificate not trusted (${code})` : (NETWORK_REASONS[code] ?? code)}`,
    {
      kind: 'unreachable',
      hint: tls
        ? 'pass the cluster CA with --certificate-authority FILE (or NODE_EXTRA_CA_CERTS)'
        : 'check the server URL, your network or VPN',
    },
  );
}

const asString = (v: unknown) =>
  typeof v === 'string' && v !== '' ? v : undefined;

/** The OAuth server's endpoints from the API server; null when it has none (no integrated OAuth). */
export async function discoverOAuth(
  server: string,
  ca: string[] | undefined,
): Promise<OAuthEndpoints | null> {
  const url = `${server.replace(/\/+$/, '')}${DISCOVERY_PATH}`;
  const answer = await send(url, 'the API server', {
    headers: { Accept: 'application/json', 'X-CSRF-Token': '1' },
    ca,
  });
  if (answer.status === 404) return null;
  if (answer.status !== 200)
    throw new QciError(`${url} answered HTTP ${answer.status}`, {
      kind: 'api-error',
      hint: 'check --server: it is the API server URL (https://api.…:6443)',
    });
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    throw new QciError(`${url} did not answer JSON`, {
      kind: 'api-error',
      hint: 'check --server: it is the API server URL (https://api.…:6443)',
    });
  }
  const issuer = asString(doc.issuer);
  const authorize = asString(doc.authorization_endpoint);
  const token = asString(doc.token_endpoint);
  if (!issuer || !authorize || !token) return null;
  const methods = doc.code_challenge_methods_supported;
  return {
    issuer,
    authorize,
    token,
    s256: Array.isArray(methods) && methods.includes('S256'),
  };
}

/** The page that shows a token to paste (`oc login --token`): the fallback without openshift-cli-client. */
export const tokenRequestPage = (issuer: string) =>
  `${issuer.replace(/\/+$/, '')}/oauth/token/request`;

export interface Pkce {
  verifier: string;
  challenge: string;
}

/** RFC 7636 S256, as osincli makes it: 96 random bytes, base64url. */
export function newPkce(): Pkce {
  const verifier = randomBytes(96).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export function authorizeUrl(
  endpoints: OAuthEndpoints,
  params: { redirectUri: string; state: string; pkce: Pkce },
): string {
  const url = new URL(endpoints.authorize);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', CLI_CLIENT_ID);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('code_challenge', params.pkce.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', params.state);
  return url.toString();
}

/**
 * Whether the server knows openshift-cli-client (OpenShift ≥ 4.14). Asked without a session, the
 * authorize endpoint sends a known client on to sign in (a redirect) and refuses an unknown one.
 */
export async function hasCliClient(
  endpoints: OAuthEndpoints,
  redirectUri: string,
  ca: string[] | undefined,
): Promise<boolean> {
  const probe = authorizeUrl(endpoints, {
    redirectUri,
    state: 'probe',
    pkce: newPkce(),
  });
  const answer = await send(probe, 'the OAuth server', { ca });
  const location = String(answer.headers.location ?? '');
  const refused = /unauthori[sz]ed_client|invalid_client/;
  if (answer.status >= 300 && answer.status < 400)
    return !refused.test(location);
  return !(answer.status >= 400 && refused.test(answer.body));
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title>` +
  `<body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body>\n`;
const HTML = 'text/html; charset=utf-8';

export interface Callback {
  port: number;
  redirectUri: string;
  /** Resolves with the code once a callback with the right state arrives; rejects on an OAuth error. */
  code: Promise<string>;
  /** Tells the browser how it ended (the last page it shows), then stops listening. */
  finish(ok: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * What one request to the callback port means: the page to answer at once (none for a code: that page
 * waits for the exchange), and how the login ends, if it does.
 */
type Verdict =
  | { status: number; type: string; page: string; error?: QciError }
  | { code: string };

const NOT_FOUND: Verdict = {
  status: 404,
  type: 'text/plain',
  page: 'not found\n',
};

const stateMismatch = (): Verdict => ({
  status: 400,
  type: HTML,
  page: PAGE(
    'qci login failed',
    'The answer did not belong to this login (wrong state). Return to your terminal.',
  ),
  error: new QciError(
    'the browser came back with an answer that does not belong to this login (state mismatch); nothing was written',
    {
      kind: 'oauth-state',
      hint: 'run qci login --web again, and use only the page it opens',
    },
  ),
});

/** The OAuth server's refusal (`error` on the callback), as RFC 6749 §4.1.2.1 sends it. */
function refusal(error: string, description: string): QciError {
  return error === 'access_denied'
    ? new QciError(
        'the login was refused in the browser (access_denied); nothing was written',
        {
          kind: 'oauth-denied',
          hint: 'run qci login --web again and allow qci (openshift-cli-client) access',
        },
      )
    : new QciError(
        `the OAuth server refused the login: ${error}${description ? ` (${description})` : ''}; nothing was written`,
        { kind: 'oauth-error' },
      );
}

function judgeCallback(url: URL, state: string): Verdict {
  if (url.pathname !== '/callback') return NOT_FOUND;
  const q = url.searchParams;
  // A page (or another local process) can reach a loopback port too: only our state counts.
  if (q.get('state') !== state) return stateMismatch();
  const error = q.get('error');
  if (error) {
    const description = (q.get('error_description') ?? '').slice(0, 200);
    return {
      status: 200,
      type: HTML,
      page: PAGE(
        'qci login cancelled',
        'You can close this tab and return to your terminal.',
      ),
      error: refusal(error, description),
    };
  }
  const code = q.get('code');
  return code
    ? { code }
    : { status: 400, type: 'text/plain', page: 'no code\n' };
}

/** Listens on 127.0.0.1:`port`; a busy port is the user's to change. */
function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? usageError(
              `callback port ${port} on 127.0.0.1 is in use; nothing was written`,
              {
                kind: 'callback-port-busy',
                hint: 'pick another with --callback-port N, or leave it out for a free one',
              },
            )
          : new QciError(
              `cannot listen on 127.0.0.1:${port} for the login callback (${error.code ?? 'error'})`,
              { kind: 'callback-listen' },
            ),
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

/** The last page the browser shows, once the code was exchanged (or not). */
const FINAL_PAGE = (ok: boolean) =>
  ok
    ? PAGE(
        'Logged in',
        'qci has its token. You can close this tab and return to your terminal.',
      )
    : PAGE(
        'qci login failed',
        'The token exchange failed; your terminal says why. You can close this tab.',
      );

/** Listens on 127.0.0.1:`port` (0: a free one) for the redirect back from the OAuth server. */
export async function listenForCallback(
  port: number,
  state: string,
): Promise<Callback> {
  let settle: { resolve(code: string): void; reject(e: QciError): void };
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  code.catch(() => undefined); // observed by the caller; never "unhandled" when closed early
  let pending: ServerResponse | undefined;
  let done = false;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const verdict = done ? NOT_FOUND : judgeCallback(url, state);
    if ('code' in verdict) {
      done = true;
      pending = res; // answered once the code is exchanged: the page then says whether it worked
      settle.resolve(verdict.code);
      return;
    }
    res.writeHead(verdict.status, { 'Content-Type': verdict.type });
    res.end(verdict.page);
    if (verdict.error) {
      done = true;
      settle.reject(verdict.error);
    }
  });
  await listen(server, port);
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    port: bound,
    redirectUri: `http://127.0.0.1:${bound}/callback`,
    code,
    async finish(ok) {
      pending?.writeHead(ok ? 200 : 400, { 'Content-Type': HTML });
      pending?.end(FINAL_PAGE(ok));
      pending = undefined;
      await close();
    },
    close,
  };
}

/** Trades the code for an access token: POST to the token endpoint with the PKCE verifier. */
export async function exchangeCode(
  endpoints: OAuthEndpoints,
  params: { code: string; redirectUri: string; pkce: Pkce },
  ca: string[] | undefined,
): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: params.code,
    redirect_uri: params.redirectUri,
    code_verifier: params.pkce.verifier,
    client_id: CLI_CLIENT_ID,
  }).toString();
  const answer = await send(endpoints.token, 'the OAuth server', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      // osincli sends the client as Basic auth with an empty secret (a public client).
      Authorization: `Basic ${Buffer.from(`${CLI_CLIENT_ID}:`).toString('base64')}`,
    },
    body,
    ca,
  });
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    // judged below by status
  }
  const token = asString(json.access_token);
  if (answer.status === 200 && token) return token;
  const error = asString(json.error) ?? `HTTP ${answer.status}`;
  const description = asString(json.error_description)?.slice(0, 200);
  throw new QciError(
    error === 'invalid_grant'
      ? 'the OAuth server refused the authorization code (already used, expired, or not issued for this login); nothing was written'
      : `the OAuth server refused the token request: ${error}${description ? ` (${description})` : ''}; nothing was written`,
    {
      kind: 'oauth-exchange',
      hint: 'run qci login --web again',
    },
  );
}
