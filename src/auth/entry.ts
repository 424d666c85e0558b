/**
 * One credential entry of an auth file (`auths[key]`, or a top-level key of the legacy ~/.dockercfg).
 *
 * The secret lives in private fields: JSON.stringify, util.inspect, template strings and console.log of
 * an AuthEntry show the user and a masked secret (`sha256~abcd…`), never the secret itself. Callers that
 * really need it (to hand it to a registry client) call `secret()`.
 */
import { Buffer } from 'node:buffer';
import { maskToken } from '../core/redact.js';
import { keyParts } from './keys.js';

/**
 * - `basic`: `auth` holds base64(user:password) (an `identitytoken` may sit beside it).
 * - `identity-token`: only an `identitytoken` (docker's OAuth refresh token); podman ignores such entries.
 * - `placeholder`: `{}` (or `null`): docker's marker that a credential helper holds the secret.
 * - `invalid`: `auth` is not base64, or decodes to text without the `:` separator.
 */
export type EntryKind = 'basic' | 'identity-token' | 'placeholder' | 'invalid';

/** Why an `invalid` entry is invalid; the two cases have different effects on podman. */
export type EntryProblem = 'not-base64' | 'no-colon';

export interface RawEntry {
  auth?: string | undefined;
  identitytoken?: string | undefined;
  email?: string | undefined;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Go's base64.StdEncoding: padded standard alphabet; CR and LF are skipped. Node's decoder is laxer. */
function decodeStdBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact))
    return undefined;
  return Buffer.from(compact, 'base64');
}

export class AuthEntry {
  /** The key exactly as written in the file. */
  readonly key: string;
  /** The registry host the key names (scheme and path cut off). */
  readonly host: string;
  /** `ns/repo` for a per-repository key (`host/ns/repo`); undefined for a host or URL key. */
  readonly repository: string | undefined;
  /** The key is a URL (`https://host/v1/`). */
  readonly scheme: boolean;
  readonly kind: EntryKind;
  readonly problem: EntryProblem | undefined;
  /** The user name from `auth`; not secret (the proxy ignores it, podman prints it). */
  readonly user: string | undefined;
  readonly email: string | undefined;
  readonly hasPassword: boolean;
  readonly hasIdentityToken: boolean;
  /** Field names in the entry besides auth/identitytoken/email (kept, never interpreted). */
  readonly otherFields: readonly string[];
  #password: string | undefined;
  #identityToken: string | undefined;

  constructor(
    key: string,
    raw: RawEntry | null,
    options: { legacyFormat?: boolean; otherFields?: string[] } = {},
  ) {
    const parts = keyParts(key, options.legacyFormat === true);
    this.key = key;
    this.host = parts.host;
    this.repository = parts.repository;
    this.scheme = parts.scheme;
    this.email = raw?.email || undefined;
    this.otherFields = options.otherFields ?? [];
    const identityToken = raw?.identitytoken || undefined;
    this.#identityToken = identityToken;
    this.hasIdentityToken = identityToken !== undefined;

    let kind: EntryKind;
    let problem: EntryProblem | undefined;
    let user: string | undefined;
    let password: string | undefined;
    const auth = raw?.auth ?? '';
    if (auth !== '') {
      const decoded = decodeStdBase64(auth);
      if (decoded === undefined) {
        kind = 'invalid';
        problem = 'not-base64';
      } else {
        const text = decoded.toString('utf8');
        const colon = text.indexOf(':');
        if (colon === -1) {
          kind = 'invalid';
          problem = 'no-colon';
        } else {
          kind = 'basic';
          user = text.slice(0, colon);
          // containers/image and docker both trim NUL padding some old writers left.
          password = text.slice(colon + 1).replace(/^\0+|\0+$/g, '');
        }
      }
    } else {
      kind = identityToken === undefined ? 'placeholder' : 'identity-token';
    }
    this.kind = kind;
    this.problem = problem;
    this.user = user;
    this.#password = password;
    this.hasPassword = password !== undefined && password !== '';
  }

  /** The password from `auth`, for a registry client. Never print it. */
  password(): string | undefined {
    return this.#password;
  }

  identityToken(): string | undefined {
    return this.#identityToken;
  }

  /** What a registry would be sent: the password, else the identity token. */
  secret(): string | undefined {
    return this.#password || this.#identityToken;
  }

  /** The secret cut to a recognisable prefix (`sha256~abcd…`), or undefined. */
  maskedSecret(): string | undefined {
    const secret = this.secret();
    return secret ? maskToken(secret) : undefined;
  }

  /** One line for people: key, user and a masked secret. */
  describe(): string {
    switch (this.kind) {
      case 'basic':
        return `${this.key}: user "${this.user ?? ''}", password ${this.#password ? maskToken(this.#password) : '(empty)'}`;
      case 'identity-token':
        return `${this.key}: identity token ${this.maskedSecret() ?? ''}`;
      case 'placeholder':
        return `${this.key}: {} placeholder (the secret is kept by a credential helper, or nowhere)`;
      case 'invalid':
        return `${this.key}: unusable entry (${problemText(this.problem)})`;
    }
  }

  /** A plain object for --json: everything but the secret, which is masked. */
  toJSON(): Record<string, unknown> {
    return {
      key: this.key,
      host: this.host,
      repository: this.repository ?? null,
      kind: this.kind,
      problem: this.problem ?? null,
      user: this.user ?? null,
      secret: this.maskedSecret() ?? null,
      identityToken: this.hasIdentityToken,
    };
  }

  toString(): string {
    return this.describe();
  }

  [INSPECT](): string {
    return `AuthEntry(${this.describe()})`;
  }
}

export function problemText(problem: EntryProblem | undefined): string {
  if (problem === 'not-base64') return '"auth" is not valid base64';
  if (problem === 'no-colon')
    return '"auth" does not decode to user:password (no ":")';
  return 'no problem';
}

/** base64(user:password), the `auth` value podman and docker write. */
export function encodeAuth(user: string, secret: string): string {
  return Buffer.from(`${user}:${secret}`, 'utf8').toString('base64');
}
