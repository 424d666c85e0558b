/**
 * What app.ci's failures mean, in words: client-node's errors (HTTP codes, network and TLS failures)
 * become QciErrors that name the server and the action, never the token.
 */
import { LOGIN_HINT } from '../core/appci.js';
import { QciError } from '../core/errors.js';
import type { AppCiContext } from './context.js';

/** A context that logs in without a token (client certificate, exec plugin): QCI needs one as the password. */
export function noTokenError(contextName: string): QciError {
  return new QciError(
    `kube context "${contextName}" has no token (QCI needs an app.ci token as the registry password)`,
    {
      kind: 'no-token',
      hint: LOGIN_HINT,
    },
  );
}

/** What an HTTP status from app.ci means for the action that got it. */
function httpError(status: number, where: string, action: string): QciError {
  if (status === 401) {
    return new QciError(
      `${where} rejected the token while trying to ${action}: it has expired or was revoked`,
      {
        kind: 'token-expired',
        hint: LOGIN_HINT,
      },
    );
  }
  if (status === 404) {
    return new QciError(`${where}: not found while trying to ${action}`, {
      kind: 'not-found',
    });
  }
  if (status === 403) {
    return new QciError(
      `${where} does not allow you to ${action} (403 Forbidden)`,
      { kind: 'denied' },
    );
  }
  return new QciError(
    `${where} answered HTTP ${status} while trying to ${action}`,
    { kind: 'api-error' },
  );
}

/** Network and TLS error codes (Node's errno and OpenSSL's), in words. */
/** Node's network and TLS error codes in words (app.ci's errors, the browser login's). */
export const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: certificate signed by an unknown authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'TLS: certificate signed by an unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'TLS: certificate signed by an unknown authority',
  CERT_HAS_EXPIRED: 'TLS: the server certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID:
    'TLS: the certificate does not match the host name',
};

/**
 * Turns what client-node throws into a QciError that says what happened, with the server URL, never the
 * token. `where` names the server (app.ci's by default; another cluster's for pull-secret --apply).
 */
export function appCiError(
  error: unknown,
  ctx: AppCiContext,
  action: string,
  where = `app.ci (${ctx.server}, context ${ctx.name})`,
): QciError {
  const e = error as {
    code?: unknown;
    type?: string;
    name?: string;
    errno?: string;
    message?: string;
    body?: unknown;
  };
  // qci's own verdict on an answer (too big, a user name it cannot use) stands as it is.
  if (error instanceof QciError) return error;
  if (typeof e.code === 'number') return httpError(e.code, where, action);
  const code = typeof e.code === 'string' ? e.code : e.errno;
  if (
    e.name === 'AbortError' ||
    e.type === 'aborted' ||
    code === 'ETIMEDOUT' ||
    e.name === 'TimeoutError'
  ) {
    return new QciError(
      `${where} did not answer in time while trying to ${action}`,
      {
        kind: 'unreachable',
        hint: 'check your network or VPN and try again',
      },
    );
  }
  if (code && NETWORK_REASONS[code]) {
    return new QciError(`cannot reach ${where}: ${NETWORK_REASONS[code]}`, {
      kind: 'unreachable',
      hint:
        code.includes('CERT') || code.includes('SIGN')
          ? `check the certificate-authority of the cluster in ${ctx.file}`
          : 'check your network or VPN and try again',
    });
  }
  return new QciError(
    `cannot reach ${where} while trying to ${action}${code ? ` (${code})` : ''}`,
    { kind: 'unreachable', cause: error },
  );
}

/** The `message` of a Kubernetes Status body (client-node hands it over as raw JSON text), or null. */
function statusMessage(body: unknown): string | null {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return null;
    }
  }
  const message = (value as { message?: unknown } | null)?.message;
  return typeof message === 'string'
    ? message.split('\n')[0]!.slice(0, 300)
    : null;
}

/** A failed TokenRequest, in words that say who may do it (the seed's pull-secret-namespace-manager binding). */
export function tokenRequestError(
  error: unknown,
  ctx: AppCiContext,
  namespace: string,
  name: string,
): QciError {
  const code = (error as { code?: unknown }).code;
  const body = (error as { body?: unknown }).body;
  const what = `serviceaccount ${namespace}/${name}`;
  if (code === 403) {
    const user = /User "([^"]+)"/.exec(statusMessage(body) ?? '')?.[1];
    return new QciError(
      `app.ci denied ${user ? `${user} ` : ''}a token for ${what} (403 Forbidden): only members of ${namespace}'s admins group may create them, ` +
        `through the RoleBinding ${namespace}-admins-binding to ClusterRole pull-secret-namespace-manager`,
      {
        kind: 'denied',
        hint:
          `ask to join the Rover group named in clusters/app.ci/registry-access/${namespace}/admin_manifest.yaml of openshift/release ` +
          `(qci whoami lists your groups), or check --project and --name`,
      },
    );
  }
  if (code === 404) {
    return new QciError(`app.ci has no ${what}`, {
      kind: 'not-found',
      hint: `check --project and --name; a new project exists once its pull request to openshift/release (qci sa init) has merged and been applied`,
    });
  }
  if (code === 422) {
    return new QciError(
      `app.ci refused the token request for ${what}: ${statusMessage(body) ?? 'invalid request'}`,
      { kind: 'invalid' },
    );
  }
  return appCiError(error, ctx, `create a token for ${what}`);
}
