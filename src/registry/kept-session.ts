/**
 * A registry session that starts from what earlier runs left: the challenge GET /v2/ gave (so the
 * token realm is asked at once) and a token kept for this credential (so requests go at once; the first
 * refusal asks the realm anew, once). Used by qci images and qci inspect.
 */
import { QciError } from '../core/errors.js';
import type { HttpResponse } from './http.js';
import { Session } from './inspect.js';

/** A registry's auth challenge as GET /v2/ gave it, and the scheme that answered. */
export interface KnownChallenge {
  scheme: 'https' | 'http';
  challenge: string;
  /** How many tags were asked last time: connections for as many open at once. */
  tags?: number;
  /** Whether the registry took HTTP/2 last time: then one connection carries every request. */
  h2?: boolean;
}

/**
 * A session that can skip the ping: with a known challenge, authenticate() goes straight to the
 * token realm; without one, it pings and keeps what it saw.
 */
export class ChallengeSession extends Session {
  known: KnownChallenge | undefined;
  seen: KnownChallenge | undefined;

  protected override async ping(): Promise<HttpResponse> {
    const known = this.known;
    if (known) {
      this.scheme = known.scheme;
      const url = `${known.scheme}://${this.target.host}/v2/`;
      const headers = { 'www-authenticate': known.challenge };
      return { url, status: 401, headers, body: Buffer.alloc(0), attempts: 0 };
    }
    const answer = await super.ping();
    const challenge = answer.headers['www-authenticate'];
    if (answer.status === 401 && typeof challenge === 'string')
      this.seen = { scheme: this.usedScheme, challenge };
    return answer;
  }

  /** The token kept from an earlier run (if sent); whether the registry refused it; its renewal. */
  private kept: string | undefined;
  bearerRejected = false;
  private renewed: Promise<void> | undefined;

  /**
   * Ready to send: with the kept `bearer` where it can be sent at once (useKept), else after asking
   * the realm (authenticateRemembering).
   */
  start(bearer: string | undefined): Promise<void> {
    return bearer && this.useKept(bearer)
      ? Promise.resolve()
      : this.authenticateRemembering();
  }

  /**
   * Sends a kept token from the start, where the scheme is known (from the remembered challenge, or
   * https where TLS is verified); returns whether it will.
   */
  private useKept(token: string): boolean {
    const scheme = schemeFor(this.known, this.http.tlsVerify !== false);
    if (!scheme) return false;
    this.scheme = scheme;
    this.useBearer(token);
    this.kept = token;
    return true;
  }

  /**
   * A request with the token; once more, after the registry refuses the kept one, with a new token
   * (asked once, for every request that met the refusal; a request started meanwhile waits for it).
   */
  async authorized<T>(request: () => Promise<T>): Promise<T> {
    if (this.renewed) await this.renewed.catch(() => undefined);
    const sent = this.endpoint.headers.Authorization;
    try {
      return await request();
    } catch (error) {
      if (
        this.kept === undefined ||
        sent !== `Bearer ${this.kept}` ||
        !(error instanceof QciError) ||
        error.kind !== 'credentials-rejected'
      )
        throw error;
      this.bearerRejected = true;
      this.renewed ??= this.authenticateRemembering();
      await this.renewed;
      return request();
    }
  }

  /**
   * With a known challenge first; if that fails, as podman does, with the one GET /v2/ gives now. A
   * refused credential is refused again by the same realm: then the realm is not asked twice.
   */
  private async authenticateRemembering(): Promise<void> {
    const stale = this.known;
    if (!stale) return this.authenticate();
    try {
      await this.authenticate();
    } catch (error) {
      if (error instanceof QciError && error.kind === 'unsafe-realm')
        throw error;
      this.known = undefined;
      await this.ping(); // what the registry names now (kept in `seen`)
      const same =
        this.seen?.challenge === stale.challenge &&
        this.seen.scheme === stale.scheme;
      if (same && error instanceof QciError && SETTLED.has(error.kind))
        throw error;
      this.known = this.seen; // authenticate() reads it without another GET /v2/
      await this.authenticate();
    }
  }
}

/** Answers about the credential itself: the same realm would give them again. */
const SETTLED = new Set([
  'credentials-rejected',
  'credentials-missing',
  'denied',
]);

/** The scheme to use without asking: the remembered one, else https where TLS is verified. */
export const schemeFor = (
  known: KnownChallenge | undefined,
  tlsVerify: boolean,
): 'https' | 'http' | undefined =>
  known?.scheme ?? (tlsVerify ? 'https' : undefined);
