/**
 * The app.ci token a credential should carry right now, read from files only (no API call, no kube client):
 * the file QCI_TOKEN_FILE names, else the token of the app.ci context in the kubeconfig (KUBECONFIG merged as
 * kubectl does, tokenFile read; see kubeconfig.ts). docker-credential-qci runs this on every pull, so it
 * must stay cheap: yaml is the only package it loads, and only to read the kubeconfig.
 */
import { MAX_BYTES, readFileSafeSync } from '../io/read.js';
import { QciError } from '../core/errors.js';
import { jwtClaims } from '../core/token.js';
import { findAppCiContext, noTokenError } from './appci.js';
import { loadKubeconfig } from './kubeconfig.js';

export interface CurrentToken {
  token: string;
  /** Whose token it is, when the files say so cheaply (oc names the user entry `<user>/<cluster>`; a JWT has `sub`). */
  owner: string | null;
  /** For messages: `QCI_TOKEN_FILE /path`, `kube context "app.ci" (named app.ci)`. */
  source: string;
}

/** The owner a token's own claims name (service-account JWTs), else null. */
function jwtOwner(token: string): string | null {
  const sub = jwtClaims(token)?.sub;
  return typeof sub === 'string' && sub !== '' ? sub : null;
}

export function readTokenFile(path: string, label: string): string {
  let text: string;
  try {
    text = readFileSafeSync(path, { maxBytes: MAX_BYTES.token, what: label });
  } catch (error) {
    if (error instanceof QciError) throw error;
    throw new QciError(
      `${label} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        kind: 'no-token',
        hint: `point ${label} at a file holding an app.ci token (qci sa token --output FILE makes one), or unset it to use your kubeconfig`,
      },
    );
  }
  const token = text.trim();
  if (token === '' || /\s/.test(token)) {
    throw new QciError(
      `${label} ${path}: ${token === '' ? 'the file is empty' : 'the file holds more than one word'} (expected one app.ci token)`,
      {
        kind: 'no-token',
      },
    );
  }
  return token;
}

/**
 * The current app.ci token: QCI_TOKEN_FILE when set, else the app.ci context's (`requested` as --context /
 * QCI_CONTEXT / config file say, else found by name or server as qci does everywhere).
 */
export async function currentAppCiToken(
  env: Record<string, string | undefined>,
  requested?: { name: string; source: string },
): Promise<CurrentToken> {
  const tokenFile = env.QCI_TOKEN_FILE;
  if (tokenFile) {
    const token = readTokenFile(tokenFile, 'QCI_TOKEN_FILE');
    return {
      token,
      owner: jwtOwner(token),
      source: `QCI_TOKEN_FILE ${tokenFile}`,
    };
  }
  const context = findAppCiContext(await loadKubeconfig(env), requested);
  if (context.token === null) throw noTokenError(context.name);
  const entryUser = context.userEntry.includes('/')
    ? context.userEntry.slice(0, context.userEntry.indexOf('/'))
    : null;
  return {
    token: context.token,
    owner: jwtOwner(context.token) ?? (entryUser || null),
    source: `kube context "${context.name}" (${context.foundBy})`,
  };
}
