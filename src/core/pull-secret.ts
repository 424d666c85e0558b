/**
 * Pull secrets: the `.dockerconfigjson` shape clusters, installers and CRI-O read
 * (`{"auths": {HOST: {"auth": base64(user:token)}}}`, containers-auth.json(5)), holding the QCI entry and,
 * when asked, app.ci's registry. Pure: which hosts, what the user is told about the token's lifetime, and
 * what a change does to each registry's entry, every secret masked.
 */
import { maskToken } from './redact.js';
import { APP_CI_REGISTRY } from './reference.js';
import { describeExpiry, expiresSoon, serviceAccountOf } from './token.js';

/** A service account's pull secret lives this long unless --duration says (720h, 30 days). */
export const DEFAULT_PULL_SECRET_SECONDS = 720 * 3600;

/** A pull secret's token this close to its expiry gets a warning (whoami, doctor): a cluster needs time to rotate. */
const PULL_SECRET_WARNING_SECONDS = 7 * 86_400;

/** The hosts a pull secret holds: QCI's, then app.ci's registry when asked (each once). */
export function pullSecretHosts(qciHost: string, withAppCi: boolean): string[] {
  return withAppCi && qciHost !== APP_CI_REGISTRY
    ? [qciHost, APP_CI_REGISTRY]
    : [qciHost];
}

/** Alive, but expiring within PULL_SECRET_WARNING_SECONDS. */
export const pullSecretExpiresSoon = (
  expiresAt: Date | string | null,
  now: Date,
): boolean => expiresSoon(expiresAt, now, PULL_SECRET_WARNING_SECONDS);

/**
 * The warning for a pull secret made from a user's own app.ci token: it dies with that token (28 days on
 * app.ci), and pods then fail with "unable to retrieve auth token: invalid username/password".
 */
export function personalTokenWarning(
  user: string,
  expiresAt: Date | null,
  now: Date,
): string {
  const when = expiresAt
    ? `${describeExpiry(expiresAt, now)} (${expiresAt.toISOString()})`
    : 'expires when your app.ci token does (app.ci did not say when)';
  return (
    `this pull secret holds ${user}'s own app.ci token, which ${when}; ` +
    'for a cluster or automation that must outlive it, use a ServiceAccount: --service-account NAMESPACE/NAME --duration 720h'
  );
}

/** `NAMESPACE/NAME` of --service-account; undefined when it is not that shape. */
export function parseServiceAccount(
  text: string,
): { project: string; name: string } | undefined {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(text);
  return m?.[1] && m[2] ? { project: m[1], name: m[2] } : undefined;
}

/** The command that puts a fresh token into the pull secret `file`: a ServiceAccount's again, else one (yours dies in 28 days). */
export function renewPullSecretCommand(
  serviceAccount: string | null,
  file: string,
): string {
  const sa = serviceAccountOf(serviceAccount);
  return `qci pull-secret --service-account ${sa ? `${sa.project}/${sa.name}` : 'NAMESPACE/NAME'} --merge ${file}`;
}

/** `user:token` of an `auth` value, with the token masked; undefined when it does not decode. */
export function maskedAuth(auth: unknown): string | undefined {
  if (typeof auth !== 'string') return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(
      Uint8Array.from(atob(auth), (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const at = decoded.indexOf(':');
  if (at < 0) return undefined;
  return `${decoded.slice(0, at)}:${maskToken(decoded.slice(at + 1))}`;
}

type EntryChange = 'added' | 'replaced' | 'kept';

export interface RegistryChange {
  key: string;
  change: EntryChange;
  /** `user:sha256~abcd…` before and after (null when absent or not a user:password entry). */
  before: string | null;
  after: string | null;
}

const authsOf = (json: unknown): Record<string, unknown> => {
  if (typeof json !== 'object' || json === null) return {};
  const auths = (json as Record<string, unknown>).auths;
  return typeof auths === 'object' && auths !== null && !Array.isArray(auths)
    ? (auths as Record<string, unknown>)
    : {};
};

const authOf = (entry: unknown) =>
  typeof entry === 'object' && entry !== null
    ? maskedAuth((entry as Record<string, unknown>).auth)
    : undefined;

/**
 * What a change does to each registry's entry of a pull secret (`before` null: there was none), every
 * secret masked: what --dry-run shows. Entries that stay are listed as kept, in their order.
 */
export function pullSecretChanges(
  before: unknown,
  after: unknown,
): RegistryChange[] {
  const was = authsOf(before);
  const now = authsOf(after);
  const keys = [
    ...Object.keys(was),
    ...Object.keys(now).filter((k) => !Object.hasOwn(was, k)),
  ];
  return keys.map((key) => {
    const old = Object.hasOwn(was, key) ? (authOf(was[key]) ?? null) : null;
    const next = Object.hasOwn(now, key) ? (authOf(now[key]) ?? null) : null;
    const same = JSON.stringify(was[key]) === JSON.stringify(now[key]);
    const change: EntryChange = !Object.hasOwn(was, key)
      ? 'added'
      : same
        ? 'kept'
        : 'replaced';
    return { key, change, before: old, after: next };
  });
}

/** One line per registry: `+ quay-proxy.ci.openshift.org  alice:sha256~abcd…`. */
export function describeChanges(changes: readonly RegistryChange[]): string[] {
  const width = Math.max(0, ...changes.map((c) => c.key.length));
  const mark = { added: '+', replaced: '~', kept: '=' };
  return changes.map((c) => {
    const what =
      c.change === 'replaced'
        ? `${c.before ?? '(no user:token)'} → ${c.after ?? '(no user:token)'}`
        : c.change === 'added'
          ? (c.after ?? '')
          : 'kept as it is';
    return `${mark[c.change]} ${c.key.padEnd(width)}  ${what}`;
  });
}
