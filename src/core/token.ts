/** What can be told about an app.ci token without a network call (OAuth tokens: openshift/api oauth/v1; service-account tokens: JWTs). Pure. */
import { formatDuration } from './duration.js';

export type TokenKind = 'oauth' | 'service-account' | 'unknown';

export interface TokenFacts {
  kind: TokenKind;
  /** For JWTs: system:serviceaccount:NS:NAME. */
  subject: string | null;
  /** From the JWT's exp; null when the token does not say (OAuth tokens are opaque). */
  expiresAt: Date | null;
  issuedAt: Date | null;
}

const OAUTH = /^sha256~[A-Za-z0-9_-]{43}$/;

function base64urlDecode(part: string): string {
  const padded = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  return atob(padded);
}

export function jwtClaims(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const claims: unknown = JSON.parse(base64urlDecode(parts[1]));
    return typeof claims === 'object' &&
      claims !== null &&
      !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export function tokenFacts(token: string): TokenFacts {
  if (OAUTH.test(token))
    return { kind: 'oauth', subject: null, expiresAt: null, issuedAt: null };
  const claims = jwtClaims(token);
  if (claims) {
    const date = (v: unknown) =>
      typeof v === 'number' && Number.isFinite(v) ? new Date(v * 1000) : null;
    const sub = typeof claims.sub === 'string' ? claims.sub : null;
    return {
      kind: sub?.startsWith('system:serviceaccount:')
        ? 'service-account'
        : 'unknown',
      subject: sub,
      expiresAt: date(claims.exp),
      issuedAt: date(claims.iat),
    };
  }
  return { kind: 'unknown', subject: null, expiresAt: null, issuedAt: null };
}

/** "in 12 days", "in 5 hours", "3 days ago": what a user wants to know about an expiry. */
export function describeExpiry(expiresAt: Date, now: Date): string {
  const seconds = Math.round((expiresAt.getTime() - now.getTime()) / 1000);
  const unit = formatDuration(seconds, { words: true });
  return seconds >= 0 ? `expires in ${unit}` : `expired ${unit} ago`;
}

/** The project and name of a ServiceAccount's subject (`system:serviceaccount:P:NAME`); null for anyone else. */
export function serviceAccountOf(
  subject: string | null | undefined,
): { project: string; name: string } | null {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject ?? '');
  return sa ? { project: sa[1]!, name: sa[2]! } : null;
}

/**
 * The user name to store beside an app.ci token in an auth file. The proxy ignores it, but Basic auth
 * splits user:password at the first ":", so `system:serviceaccount:P:NAME` (what `oc whoami` prints for a
 * ServiceAccount) becomes `P/NAME`, and any other ":" or control character is replaced.
 */
export function registryUserFor(
  identity: string | null | undefined,
  fallback = 'qci',
): string {
  if (!identity) return fallback;
  const sa = serviceAccountOf(identity);
  if (sa) return `${sa.project}/${sa.name}`;
  const cleaned = identity.replace(/[:\s\x00-\x1f]/g, '_');
  return cleaned === '' ? fallback : cleaned;
}

/** A token this close to its expiry gets a warning (login, whoami, pull) rather than a ✓. */
export const EXPIRY_WARNING_SECONDS = 48 * 3600;

/** Alive, but expiring within `withinSeconds` (EXPIRY_WARNING_SECONDS unless said). */
export function expiresSoon(
  expiresAt: Date | string | null | undefined,
  now: Date,
  withinSeconds = EXPIRY_WARNING_SECONDS,
): boolean {
  if (expiresAt === null || expiresAt === undefined) return false;
  const left = new Date(expiresAt).getTime() - now.getTime();
  return left > 0 && left <= withinSeconds * 1000;
}

/** The command that gets a new token: the browser login for a user, qci sa token for a ServiceAccount. */
export function renewCommand(
  kind: TokenKind,
  subject?: string | null,
  path = 'FILE',
): string {
  const sa = serviceAccountOf(subject);
  if (kind !== 'service-account' && !sa) return 'qci login --web';
  return sa
    ? `qci sa token --project ${sa.project}${sa.name === 'image-puller' ? '' : ` --name ${sa.name}`} --output ${path}`
    : `qci sa token --project P --output ${path}`;
}

/**
 * Whether a live token that app.ci says is `username`'s belongs to someone else than the kube context's
 * user (`current`). A ServiceAccount's token never does: it stands for automation (a pull secret, `qci
 * login --token-file`), and is meant to be another identity than yours.
 */
export function isOtherUsersToken(
  username: string,
  current: string | undefined,
): boolean {
  return (
    current !== undefined &&
    username !== current &&
    !username.startsWith('system:serviceaccount:')
  );
}

/** Whether a registry's bearer token can go into an Authorization header: printable, no space, sane length. */
export function isSendableBearer(token: string): boolean {
  return /^[\x21-\x7e]{1,16384}$/.test(token);
}
