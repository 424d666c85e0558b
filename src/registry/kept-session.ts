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

  /** The token kept from an earlier run, while it is the one sent; whether the registry refused it. */
  private kept: string | undefined;
  bearerRejected = false;
  private renewed: Promise<void> | undefined;

  /**
   * Sends a kept token from the start, where the scheme is known (from the remembered challenge, or
   * https where TLS is verified); returns whether it will.
   */
  useKept(token: string, tlsVerify: boolean): boolean {
    const scheme = this.known?.scheme ?? (tlsVerify ? 'https' : undefined);
    if (!scheme) return false;
    this.scheme = scheme;
    this.useBearer(token);
    this.kept = token;
    return true;
  }

  /** A request with the token; once more, after the registry refuses a kept one, with a new token. */
  async authorized<T>(request: () => Promise<T>): Promise<T> {
    const sent = this.kept;
    try {
      return await request();
    } catch (error) {
      if (
        !sent ||
        !(error instanceof QciError) ||
        error.kind !== 'credentials-rejected'
      )
        throw error;
      // Asked once, for every request that met the refusal.
      this.kept = undefined;
      this.bearerRejected = true;
      this.renewed ??= this.authenticateRemembering();
      await this.renewed;
      return request();
    }
  }

  /** With a known challenge first; if that fails, as podman does (the challenge may have changed). */
  async authenticateRemembering(): Promise<void> {
    if (!this.known) return this.authenticate();
    try {
      await this.authenticate();
    } catch {
      this.known = undefined;
      await this.authenticate();
    }
  }
}
