/**
 * qci login --web: an app.ci token from the browser (src/kube/oauth.ts, as `oc login --web`), checked on the
 * server, then written to the kubeconfig as `oc login` writes it. Nothing is written until the token works.
 */
import { promises as fsp } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic, withFileLock } from '../auth/index.js';
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import { APP_CI_SERVER, APP_CI_TOKEN_PAGE } from '../core/appci.js';
import { QciError, usageError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import { onPath } from '../engine/engine.js';
import { AppCi } from '../kube/appci.js';
import { addLogin } from '../kube/kubeconfig-edit.js';
import { kubeconfigPaths } from '../kube/kubeconfig.js';
import {
  authorizeUrl,
  discoverOAuth,
  exchangeCode,
  hasCliClient,
  listenForCallback,
  newPkce,
  tokenRequestPage,
  trustedCas,
} from '../kube/oauth.js';
import { randomBytes } from 'node:crypto';
import type { AuthSetup } from './setup.js';

export interface WebLoginOptions {
  server?: string | undefined;
  certificateAuthority?: string | undefined;
  callbackPort?: number | undefined;
  /** The token-request page even where the code flow works: no browser here to come back to 127.0.0.1. */
  tokenPage?: boolean | undefined;
  timeoutMs: number;
  /** Called with the page to open, whether a browser was started for it, and which flow it is. */
  showUrl(url: string, flow: 'oauth' | 'token-page', opened: boolean): void;
  /** The token pasted from the token-request page, read without echo (the fallback). */
  readToken(): Promise<string>;
}

export interface WebLoginReport {
  server: string;
  user: string;
  flow: 'oauth' | 'token-page';
  kubeconfig: string;
  created: boolean;
  cluster: string;
  context: string;
  /** Other contexts (the docs' `app.ci` rename) that now use the new token. */
  retargeted: string[];
}

/** `api.ci…:6443` → `https://api.ci…:6443`, as oc normalises; plain http is refused (a token would travel in clear). */
export function serverUrl(text: string | undefined): string {
  const raw = (text ?? APP_CI_SERVER).trim();
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw usageError(`--server "${raw}" is not a URL`, {
      hint: `the API server, such as ${APP_CI_SERVER}`,
    });
  }
  if (url.protocol !== 'https:')
    throw usageError(`--server ${raw}: qci logs in over https only`, {
      hint: `the API server, such as ${APP_CI_SERVER}`,
    });
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** $BROWSER (its first command; `%s` is the URL) else xdg-open / open; false when none could start. */
function openBrowser(setup: AuthSetup, url: string): boolean {
  const browser = setup.env.BROWSER?.split(':').find((c) => c.trim() !== '');
  let command: string;
  let args: string[];
  if (browser) {
    const words = browser.trim().split(/\s+/);
    command = words[0]!;
    const rest = words.slice(1);
    args = rest.some((w) => w.includes('%s'))
      ? rest.map((w) => w.replace('%s', url))
      : [...rest, url];
  } else {
    command = process.platform === 'darwin' ? 'open' : 'xdg-open';
    args = [url];
  }
  if (!onPath(command, setup.env) && !command.includes('/')) return false;
  setup
    .runner({ command, args, env: setup.env, timeoutMs: 10 * 60_000 })
    .catch(() => undefined);
  return true;
}

async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => QciError,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The token pasted from the server's token-request page (app.ci's is known without asking). */
async function fromTokenPage(
  setup: AuthSetup,
  server: string,
  endpoints: Awaited<ReturnType<typeof discoverOAuth>>,
  options: WebLoginOptions,
): Promise<{ token: string; flow: 'token-page' }> {
  const page = endpoints
    ? tokenRequestPage(endpoints.issuer)
    : server === APP_CI_SERVER
      ? APP_CI_TOKEN_PAGE
      : undefined;
  if (!page)
    throw new QciError(
      `${server} has no OAuth server (no ${server}/.well-known/oauth-authorization-server)`,
      {
        kind: 'no-oauth',
        hint: 'log in as that cluster documents (oc login), then run qci login',
      },
    );
  // Asked for (no browser here): the URL is only shown; a terminal browser would take the prompt's place.
  options.showUrl(
    page,
    'token-page',
    !options.tokenPage && openBrowser(setup, page),
  );
  const pasted = (
    await withTimeout(
      options.readToken(),
      options.timeoutMs,
      () =>
        new QciError(
          `no token was pasted within ${formatDuration(options.timeoutMs / 1000)}; nothing was written`,
          {
            kind: 'oauth-timeout',
            hint: 'run it again with the token page open',
          },
        ),
    )
  ).trim();
  // The page also offers the whole `oc login --token=… --server=…` line to copy: its token is meant.
  const token = /^oc login\b.*?--token[= ](\S+)/.exec(pasted)?.[1] ?? pasted;
  if (token === '' || /\s/.test(token))
    throw usageError(
      token === ''
        ? 'no token was entered; nothing was written'
        : 'the token has spaces or line breaks in it (a paste error?); nothing was written',
      { hint: 'copy the "Your API token is" value from the page' },
    );
  return { token, flow: 'token-page' };
}

/**
 * A token by the OAuth code flow, or from the token-request page: where openshift-cli-client is missing,
 * or when asked (`tokenPage`: no browser on this machine, whose 127.0.0.1 the code flow comes back to).
 */
async function obtainToken(
  setup: AuthSetup,
  server: string,
  ca: string[] | undefined,
  options: WebLoginOptions,
): Promise<{ token: string; flow: 'oauth' | 'token-page' }> {
  if (options.tokenPage)
    return fromTokenPage(
      setup,
      server,
      await discoverOAuth(server, ca),
      options,
    );
  const state = randomBytes(24).toString('base64url');
  // Listen first: a busy --callback-port fails before anything opens.
  const callback = await listenForCallback(options.callbackPort ?? 0, state);
  try {
    const endpoints = await discoverOAuth(server, ca);
    const usable =
      endpoints?.s256 === true &&
      (await hasCliClient(endpoints, callback.redirectUri, ca));
    if (!endpoints || !usable) {
      await callback.close();
      return await fromTokenPage(setup, server, endpoints, options);
    }
    const pkce = newPkce();
    const url = authorizeUrl(endpoints, {
      redirectUri: callback.redirectUri,
      state,
      pkce,
    });
    options.showUrl(url, 'oauth', openBrowser(setup, url));
    const code = await withTimeout(
      callback.code,
      options.timeoutMs,
      () =>
        new QciError(
          `no answer from the browser within ${formatDuration(options.timeoutMs / 1000)}; nothing was written`,
          {
            kind: 'oauth-timeout',
            hint: 'run qci login --web again and finish the login in the browser (open the URL it prints); no browser on this machine (SSH)? qci login --token-page',
          },
        ),
    );
    try {
      const token = await exchangeCode(
        endpoints,
        { code, redirectUri: callback.redirectUri, pkce },
        ca,
      );
      await callback.finish(true);
      return { token, flow: 'oauth' };
    } catch (error) {
      await callback.finish(false);
      throw error;
    }
  } finally {
    await callback.close();
  }
}

/** Adds the login to the first kubeconfig file under the lock: atomic, 0600, no backup (it would keep the old token). */
async function writeKubeconfig(
  path: string,
  entry: Parameters<typeof addLogin>[1],
) {
  await fsp.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const target = await fsp.realpath(path).catch(() => path);
  return withFileLock(target, async () => {
    let before: string | undefined;
    try {
      before = await readFileSafe(target, {
        maxBytes: MAX_BYTES.kubeconfig,
        what: 'kubeconfig',
      });
    } catch (error) {
      if (error instanceof QciError) throw error;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new QciError(
          `cannot read kubeconfig ${target} (${(error as NodeJS.ErrnoException).code ?? 'error'}); nothing was written`,
          { kind: 'bad-kubeconfig' },
        );
    }
    const { text, names } = addLogin(before, entry, target);
    await writeFileAtomic(target, text, 0o600);
    return { names, created: before === undefined, path: target };
  });
}

export async function webLogin(
  setup: AuthSetup,
  options: WebLoginOptions,
): Promise<WebLoginReport> {
  const server = serverUrl(options.server);
  const caFile = options.certificateAuthority
    ? resolve(options.certificateAuthority)
    : undefined;
  const ca = trustedCas(setup.env, caFile);
  const { token, flow } = await obtainToken(setup, server, ca, options);

  // Who the token belongs to, asked of the server with it: a token that does not work is never written.
  const probe = 'qci-login-web';
  const appci = await AppCi.connect({
    env: setup.env,
    context: { name: probe, source: 'qci login --web' },
    kubeconfig: {
      config: {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: probe,
            cluster: {
              server,
              ...(caFile ? { 'certificate-authority': caFile } : {}),
            },
          },
        ],
        users: [{ name: probe, user: { token } }],
        contexts: [{ name: probe, context: { cluster: probe, user: probe } }],
      },
      files: [],
      contextSource: new Map(),
    },
  });
  const identity = await appci.whoami().catch((error: unknown) => {
    if (error instanceof QciError && error.kind === 'token-expired')
      throw new QciError(
        `${server} does not accept the token${flow === 'token-page' ? ' you pasted' : ' it just issued'}; nothing was written`,
        {
          kind: 'token-rejected',
          hint: `run qci login ${options.tokenPage ? '--token-page' : '--web'} again${flow === 'token-page' ? ' and paste the token the page shows now' : ''}`,
        },
      );
    throw error;
  });

  const path = kubeconfigPaths(setup.env)[0]!;
  const written = await writeKubeconfig(path, {
    server,
    certificateAuthority: caFile,
    username: identity.username,
    token,
    namespace: 'default',
  });
  return {
    server,
    user: identity.username,
    flow,
    kubeconfig: written.path,
    created: written.created,
    cluster: written.names.cluster,
    context: written.names.context,
    retargeted: written.names.retargeted,
  };
}
