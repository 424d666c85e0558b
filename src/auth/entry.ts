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
  /**
   * docker's own fields (docker/cli `api/types.AuthConfig`): docker sends them when `auth` is empty or
   * does not decode; containers/image (podman) has no such fields.
   */
  username?: string | undefined;
  password?: string | undefined;
}

interface EntryOptions {
  legacyFormat?: boolean;
  otherFields?: string[];
  /** Read as docker reads it: `username`/`password` stand in for an empty or undecodable `auth`. */
  dockerFields?: boolean;
}

interface DecodedAuth {
  kind: EntryKind;
  problem?: EntryProblem;
  user?: string;
  password?: string;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

function hasFields(raw: RawEntry | null): boolean {
  const set = (v: unknown) => typeof v === 'string' && v !== '';
  return set(raw?.username) || set(raw?.password);
}

/** What `auth` holds: base64(user:password), split at the first `:`. */
function decodeAuth(auth: string, hasIdentityToken: boolean): DecodedAuth {
  if (auth === '')
    return { kind: hasIdentityToken ? 'identity-token' : 'placeholder' };
  const decoded = decodeStdBase64(auth);
  if (decoded === undefined) return { kind: 'invalid', problem: 'not-base64' };
  const text = decoded.toString('utf8');
  const colon = text.indexOf(':');
  if (colon === -1) return { kind: 'invalid', problem: 'no-colon' };
  return {
    kind: 'basic',
    user: text.slice(0, colon),
    // containers/image and docker both trim NUL padding some old writers left.
    password: text.slice(colon + 1).replace(/^\0+|\0+$/g, ''),
  };
}

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
  /** The user name from `auth` (docker's reading: maybe `username`); not secret (the proxy ignores it, podman prints it). */
  readonly user: string | undefined;
  readonly email: string | undefined;
  readonly hasPassword: boolean;
  readonly hasIdentityToken: boolean;
  /** Field names in the entry besides auth/identitytoken/email (kept, never interpreted). */
  readonly otherFields: readonly string[];
  /** The entry has docker's `username`/`password` fields (podman ignores them). */
  readonly hasDockerFields: boolean;
  /** docker's reading: user and password come from the `username`/`password` fields, not `auth`. */
  readonly fromFields: boolean;
  #password: string | undefined;
  #identityToken: string | undefined;
  readonly #raw: RawEntry | null;
  readonly #options: EntryOptions;

  constructor(key: string, raw: RawEntry | null, options: EntryOptions = {}) {
    const legacyFormat = options.legacyFormat === true;
    const parts = keyParts(key, legacyFormat);
    this.key = key;
    this.host = parts.host;
    this.repository = parts.repository;
    this.scheme = parts.scheme;
    this.email = raw?.email || undefined;
    this.otherFields = options.otherFields ?? [];
    this.#raw = raw;
    this.#options = options;
    const identityToken = raw?.identitytoken || undefined;
    this.#identityToken = identityToken;
    this.hasIdentityToken = identityToken !== undefined;

    let decoded = decodeAuth(raw?.auth ?? '', identityToken !== undefined);
    this.hasDockerFields = hasFields(raw);
    // docker/cli `cli/config/configfile/file.go` decodes `auth` over the fields; config.json's reader
    // only when `auth` is set, the legacy ~/.dockercfg reader always. An undecodable `auth` leaves them
    // (seen with docker 20.10).
    this.fromFields =
      options.dockerFields === true &&
      this.hasDockerFields &&
      (legacyFormat ? decoded.kind === 'invalid' : decoded.kind !== 'basic');
    if (this.fromFields)
      decoded = {
        kind: 'basic',
        user: raw?.username ?? '',
        password: raw?.password ?? '',
      };
    this.kind = decoded.kind;
    this.problem = decoded.problem;
    this.user = decoded.user;
    this.#password = decoded.password;
    this.hasPassword =
      decoded.password !== undefined && decoded.password !== '';
  }

  /** The entry as docker reads it (itself, unless docker's `username`/`password` fields stand in). */
  dockerReading(): AuthEntry {
    if (this.#options.dockerFields || !this.hasDockerFields) return this;
    const reading = new AuthEntry(this.key, this.#raw, {
      ...this.#options,
      dockerFields: true,
    });
    return reading.fromFields ? reading : this;
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
