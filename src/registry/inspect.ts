/**
 * An image through the registry API (the OCI distribution spec), unpulled: the auth challenge, a pull-scoped
 * token, the manifest (an index kept an index: its digest is podman's and skopeo's), the platform's manifest
 * and its config blob. Never lists tags (QCI is one repository). Every body is checked against its digest.
 */
import { escapeControl } from '../core/escape.js';
import { registryHint } from '../core/causes.js';
import { QciError } from '../core/errors.js';
import { isSendableBearer } from '../core/token.js';
import {
  normalizePlatform,
  platformMatches as matches,
} from '../core/platform.js';
import {
  DEFAULT_HTTP_OPTIONS,
  httpGet,
  networkError,
  type HttpOptions,
  type HttpResponse,
} from './http.js';
import { basicAuth, parseChallenge, realmUrlOf } from './ping.js';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;
/** Both list types first: without them a registry may answer with its linux/amd64 instance instead. */
export const MANIFEST_ACCEPT = [
  MEDIA.ociIndex,
  MEDIA.dockerList,
  MEDIA.ociManifest,
  MEDIA.dockerManifest,
].join(', ');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface InspectTarget {
  /** host[:port] */
  host: string;
  /** openshift/ci */
  repository: string;
  /** A tag or sha256:… digest. */
  reference: string;
}

export interface InspectOptions {
  http: Omit<HttpOptions, keyof typeof DEFAULT_HTTP_OPTIONS> &
    Partial<typeof DEFAULT_HTTP_OPTIONS>;
  /** What podman would send; null for an anonymous pull. */
  credential: { user: string; password: string } | null;
  /** Which instance of an index to describe. */
  platform: Platform;
  /** Where the credential came from, for messages ("key in file"). */
  credentialSource?: string;
}

export interface PlatformManifest {
  platform: string;
  digest: string;
  mediaType: string;
  size: number;
}

export interface InspectResult {
  /** The digest of what the tag points at: an index (manifest list) or a single manifest. */
  digest: string;
  mediaType: string;
  isIndex: boolean;
  /** Every platform an index lists (one entry for a single manifest). */
  platforms: PlatformManifest[];
  /** The instance described below. */
  platform: string;
  platformDigest: string;
  platformMediaType: string;
  /** When the requested platform is not the image's (single-platform images only). */
  platformMismatch: boolean;
  created: string | null;
  /** Config plus layers, as stored (compressed). */
  size: number;
  layers: number;
  labels: Record<string, string>;
  /** The scheme that worked: https, or http for an insecure registry. */
  scheme: 'https' | 'http';
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

export function parsePlatform(text: string): Platform {
  const [os = '', architecture = '', variant] = text.split('/');
  return normalizePlatform({
    os,
    architecture,
    ...(variant ? { variant } : {}),
  });
}

export type Digester = (body: Buffer) => string;

/** node:crypto's SHA-256, loaded by the first inspection (a pull loads this module only to explain a failure). */
export async function digester(): Promise<Digester> {
  const { createHash } = await import('node:crypto');
  return (body) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

function jsonBody(
  response: HttpResponse,
  what: string,
): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(response.body.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new QciError(
    `the registry answered ${what} with something that is not JSON`,
    { kind: 'registry-error' },
  );
}

/** The first OCI error code in a registry error body (MANIFEST_UNKNOWN, DENIED, …), or null. */
function errorCode(response: HttpResponse): string | null {
  try {
    const body = JSON.parse(response.body.toString('utf8')) as {
      errors?: { code?: string }[];
    };
    return body.errors?.[0]?.code ?? null;
  } catch {
    return null;
  }
}

/** The token realm's scope for pulling from `repository` (what a token, and a kept one, is for). */
export const pullScope = (repository: string) =>
  `repository:${repository}:pull`;

/** What the token service answered, beside the token itself (as it came: checked where it is kept). */
export interface MintedToken {
  token: string;
  /** `expires_in`, seconds. */
  expiresIn?: unknown;
  /** `issued_at`, RFC 3339. */
  issuedAt?: unknown;
}

/** One registry conversation: the auth challenge, a token, then GETs with it (qci release reads layers too). */
export class Session {
  private authorization: string | undefined;
  /** The token the realm gave last, with the lifetime it said (to keep between runs). */
  minted: MintedToken | undefined;
  protected scheme: 'https' | 'http' = 'https';
  protected readonly http: HttpOptions;

  constructor(
    protected readonly target: InspectTarget,
    private readonly options: InspectOptions,
  ) {
    this.http = { ...DEFAULT_HTTP_OPTIONS, ...options.http };
  }

  get usedScheme(): 'https' | 'http' {
    return this.scheme;
  }

  /** The repository's base URL and the Authorization to send, for a request made elsewhere (a blob stream). */
  get endpoint(): { base: string; headers: Record<string, string> } {
    return {
      base: `${this.scheme}://${this.target.host}/v2/${this.target.repository}`,
      headers: this.authorization ? { Authorization: this.authorization } : {},
    };
  }

  private get who(): string {
    return this.options.credential
      ? `the credential podman would send${this.options.credentialSource ? ` (${this.options.credentialSource})` : ''}`
      : 'an anonymous request (podman has no credential for it)';
  }

  /** GET /v2/, then a token from the realm it names (or Basic auth, or none). */
  async authenticate(): Promise<void> {
    const ping = await this.ping();
    if (ping.status === 200) return;
    if (ping.status !== 401)
      throw this.statusError(ping, 'the registry API (/v2/)');
    const challenge = parseChallenge(ping.headers['www-authenticate']);
    const credential = this.options.credential;
    if (challenge?.scheme.toLowerCase() === 'basic') {
      if (!credential) throw this.authNeeded();
      this.authorization = basicAuth(credential);
      return;
    }
    if (challenge?.scheme.toLowerCase() !== 'bearer' || !challenge.realm) {
      throw new QciError(
        `${this.target.host} asks for authentication qci does not speak (${challenge?.scheme ?? 'no challenge'})`,
        { kind: 'registry-error' },
      );
    }
    const realm = realmUrlOf(challenge.realm, ping.url, this.target.host);
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    this.authorization = `Bearer ${await this.token(realm)}`;
  }

  /** Sends `token` from now on, as if the realm had just given it (a token kept from an earlier run). */
  useBearer(token: string): void {
    this.authorization = `Bearer ${token}`;
  }

  /** GET /v2/ over https, or (TLS verification off) over plain http when https is not spoken. */
  protected async ping(): Promise<HttpResponse> {
    const schemes: ('https' | 'http')[] = this.http.tlsVerify
      ? ['https']
      : ['https', 'http'];
    let lastError: unknown;
    for (const scheme of schemes) {
      try {
        // No retries for the probe of a scheme that may not be spoken at all.
        const ping = await httpGet(
          { url: `${scheme}://${this.target.host}/v2/` },
          {
            ...this.http,
            retries:
              scheme === 'https' && schemes.length > 1 ? 0 : this.http.retries,
          },
        );
        this.scheme = scheme;
        return ping;
      } catch (error) {
        lastError = error;
        if (
          error instanceof QciError &&
          /refused|not found/.test(error.message)
        )
          break; // same port either way
      }
    }
    throw lastError instanceof QciError
      ? lastError
      : networkError(this.target.host, lastError, null);
  }

  /** A pull-scoped token from the realm (the distribution spec's token flow), asked with the credential. */
  private async token(realm: URL): Promise<string> {
    const credential = this.options.credential;
    // Plain http only to the registry itself, and only with TLS verification off (a local registry).
    if (
      credential &&
      realm.protocol !== 'https:' &&
      (realm.host !== this.target.host || this.http.tlsVerify !== false)
    ) {
      throw new QciError(
        `${this.target.host} names a token realm over plain HTTP (${realm.host}); qci will not send credentials there`,
        { kind: 'unsafe-realm' },
      );
    }
    realm.searchParams.set('scope', pullScope(this.target.repository));
    const headers: Record<string, string> = credential
      ? { Authorization: basicAuth(credential) }
      : {};
    const answer = await httpGet({ url: realm.toString(), headers }, this.http);
    if (answer.status === 401)
      throw credential ? this.rejected() : this.authNeeded();
    if (answer.status === 403) throw this.denied();
    if (answer.status !== 200)
      throw this.statusError(answer, 'the token service');
    const body = jsonBody(answer, 'the token request');
    const token =
      typeof body.token === 'string'
        ? body.token
        : typeof body.access_token === 'string'
          ? body.access_token
          : '';
    if (!token)
      throw new QciError(
        `the token service of ${this.target.host} answered without a token`,
        { kind: 'registry-error' },
      );
    if (!isSendableBearer(token))
      throw new QciError(
        `the token service of ${this.target.host} answered a token qci cannot send (characters a header cannot hold)`,
        { kind: 'registry-error' },
      );
    this.minted = {
      token,
      expiresIn: body.expires_in,
      issuedAt: body.issued_at,
    };
    return token;
  }

  async get(
    path: string,
    accept: string | undefined,
    what: string,
    method: 'GET' | 'HEAD' = 'GET',
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = {};
    if (accept) headers.Accept = accept;
    if (this.authorization) headers.Authorization = this.authorization;
    const response = await httpGet(
      {
        url: `${this.scheme}://${this.target.host}/v2/${this.target.repository}/${path}`,
        method,
        headers,
      },
      this.http,
    );
    if (response.status === 200) return response;
    if (response.status === 401)
      throw this.options.credential ? this.rejected() : this.authNeeded();
    if (response.status === 403 || errorCode(response) === 'DENIED')
      throw this.denied();
    if (response.status === 404) {
      const code = errorCode(response);
      // The reference this request asked for: a session may ask several (qci images, pullspec --pin).
      const name = /^manifests\/(.+)$/.exec(path)?.[1] ?? this.target.reference;
      throw new QciError(
        code === 'NAME_UNKNOWN'
          ? `${this.target.host} has no repository ${this.target.repository}`
          : `not found: ${this.target.host}/${this.target.repository} has no ${name.startsWith('sha256:') ? 'manifest' : 'tag'} ${what === 'the manifest' ? name : what}`,
        {
          kind: 'not-found',
          hint: registryHint('not-found'),
        },
      );
    }
    throw this.statusError(response, what);
  }

  private authNeeded(): QciError {
    return new QciError(
      `${this.target.host} needs a login to read ${this.target.repository}, and podman has no credential for it`,
      {
        kind: 'credentials-missing',
        hint: registryHint('credentials-missing'),
      },
    );
  }

  private rejected(): QciError {
    return new QciError(
      `${this.target.host} rejected ${this.who}: its app.ci token has expired or was revoked, or it has no QCI access`,
      {
        kind: 'credentials-rejected',
        hint: registryHint('credentials-rejected'),
      },
    );
  }

  private denied(): QciError {
    return new QciError(
      `${this.target.host} denied access to ${this.target.repository} for ${this.who}`,
      {
        kind: 'denied',
        hint: registryHint('denied'),
      },
    );
  }

  private statusError(response: HttpResponse, what: string): QciError {
    if (response.status === 429) {
      return new QciError(
        `${this.target.host} is rate limiting (HTTP 429 on ${what}, after ${response.attempts} attempts)`,
        {
          kind: 'rate-limited',
          hint: registryHint('rate-limited'),
        },
      );
    }
    if (response.status >= 500) {
      return new QciError(
        `${this.target.host} answered ${what} with a server error (HTTP ${response.status}, after ${response.attempts} attempts)`,
        {
          kind: 'server-error',
          hint: registryHint('server-error'),
        },
      );
    }
    return new QciError(
      `${this.target.host} answered ${what} with HTTP ${response.status}`,
      { kind: 'registry-error' },
    );
  }
}

function checkDigest(
  sha256: Digester,
  body: Buffer,
  expected: string,
  what: string,
): void {
  if (!expected.startsWith('sha256:')) return; // other algorithms: trust the registry
  const actual = sha256(body);
  if (actual !== expected)
    throw new QciError(
      `${what} does not match its digest (${expected}, got ${actual})`,
      { kind: 'digest-mismatch' },
    );
}

export interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  platform?: Partial<Platform>;
}

/** What the tag points at: its bytes' digest, its media type, and whether it is an index. */
export interface Top {
  response: HttpResponse;
  digest: string;
  json: Record<string, unknown>;
  mediaType: string;
  isIndex: boolean;
}

/** The platform's manifest chosen out of an index (or the image itself), and the platforms listed. */
export interface Instance {
  platforms: PlatformManifest[];
  platform: string | null;
  digest: string;
  mediaType: string;
  json: Record<string, unknown>;
}

const mediaTypeOf = (...candidates: unknown[]) =>
  String(candidates.find((c) => c !== undefined && c !== null) ?? '')
    .split(';')[0]!
    .trim();

export async function readTop(
  session: Session,
  target: InspectTarget,
  sha256: Digester,
): Promise<Top> {
  const response = await session.get(
    `manifests/${target.reference}`,
    MANIFEST_ACCEPT,
    'the manifest',
  );
  // The digest is the bytes' digest: what podman pulls by and skopeo reports.
  const digest = sha256(response.body);
  if (target.reference.startsWith('sha256:'))
    checkDigest(
      sha256,
      response.body,
      target.reference,
      `the manifest ${target.reference}`,
    );
  const json = jsonBody(response, 'the manifest');
  const mediaType = mediaTypeOf(
    json.mediaType,
    response.headers['content-type'],
  );
  const isIndex =
    mediaType === MEDIA.ociIndex ||
    mediaType === MEDIA.dockerList ||
    (Array.isArray(json.manifests) && !json.config);
  return { response, digest, json, mediaType, isIndex };
}

/** An index's platforms (attestation manifests, buildkit's "unknown/unknown", are not platforms). */
function indexPlatforms(index: Record<string, unknown>) {
  const entries = (
    Array.isArray(index.manifests) ? index.manifests : []
  ) as Descriptor[];
  // Only entries of the OCI image spec's shape (a server's null or number is no platform).
  const real = entries.filter(
    (e) =>
      typeof e?.digest === 'string' &&
      typeof e.platform?.os === 'string' &&
      e.platform.os !== 'unknown' &&
      ['string', 'undefined'].includes(typeof e.platform.architecture) &&
      ['string', 'undefined'].includes(typeof e.platform.variant),
  );
  const platforms = real.map((e) => ({
    platform: formatPlatform({
      os: e.platform!.os!,
      architecture: e.platform!.architecture ?? '',
      ...(e.platform!.variant ? { variant: e.platform!.variant } : {}),
    }),
    digest: e.digest!,
    mediaType: e.mediaType ?? '',
    size: e.size ?? 0,
  }));
  return { real, platforms };
}

/** The digest of `platform`'s image in an index (its JSON); null when it has none. */
export function instanceDigestIn(
  index: Record<string, unknown>,
  platform: Platform,
): string | null {
  return (
    indexPlatforms(index).real.find((e) => matches(platform, e.platform))
      ?.digest ?? null
  );
}

/** The requested platform's manifest out of an index, checked against its digest. */
export async function readInstance(
  session: Session,
  target: InspectTarget,
  options: InspectOptions,
  top: Top,
  sha256: Digester,
): Promise<Instance> {
  if (!top.isIndex)
    return {
      platforms: [],
      platform: null,
      digest: top.digest,
      mediaType: top.mediaType,
      json: top.json,
    };
  const { real, platforms } = indexPlatforms(top.json);
  const wanted = formatPlatform(options.platform);
  const chosen = real.find((e) => matches(options.platform, e.platform));
  if (!chosen) {
    throw new QciError(
      `${target.host}/${target.repository}:${target.reference} has no ${wanted} image; it has ${platforms.map((p) => escapeControl(p.platform)).join(', ') || 'none'}`,
      {
        kind: 'platform-missing',
        hint: platforms[0]
          ? `pick one with --platform ${escapeControl(platforms[0].platform)}`
          : undefined,
      },
    );
  }
  const instance = await session.get(
    `manifests/${chosen.digest}`,
    [MEDIA.ociManifest, MEDIA.dockerManifest].join(', '),
    `the ${wanted} manifest`,
  );
  checkDigest(sha256, instance.body, chosen.digest!, `the ${wanted} manifest`);
  const json = jsonBody(instance, 'the platform manifest');
  return {
    platforms,
    platform: platforms[real.indexOf(chosen)]!.platform,
    digest: chosen.digest!,
    mediaType: mediaTypeOf(
      json.mediaType,
      chosen.mediaType,
      instance.headers['content-type'],
    ),
    json,
  };
}

/** The image config blob (created, labels, its own platform), checked against its digest. */
export async function readConfig(
  session: Session,
  target: InspectTarget,
  instance: Instance,
  sha256: Digester,
) {
  const config = instance.json.config as Descriptor | undefined;
  if (typeof config?.digest !== 'string' || !config.digest) {
    throw new QciError(
      `the manifest of ${target.reference} has no config (media type ${instance.mediaType || 'unknown'}); qci reads OCI and Docker v2 schema 2 images`,
      { kind: 'unsupported-manifest' },
    );
  }
  const blob = await session.get(
    `blobs/${config.digest}`,
    undefined,
    'the image config',
  );
  checkDigest(sha256, blob.body, config.digest, 'the image config');
  const json = jsonBody(blob, 'the image config');
  const inner = (json.config ?? {}) as { Labels?: unknown };
  const own: Platform = {
    os: String(json.os ?? ''),
    architecture: String(json.architecture ?? ''),
    ...(typeof json.variant === 'string' && json.variant
      ? { variant: json.variant }
      : {}),
  };
  return {
    size: config.size ?? blob.body.length,
    created: typeof json.created === 'string' ? json.created : null,
    labels: labelsOf(inner.Labels),
    own,
  };
}

/** Labels are a map of strings (the OCI image spec): a string or a list in their place is none. */
const labelsOf = (raw: unknown): Record<string, string> =>
  raw && typeof raw === 'object' && !Array.isArray(raw)
    ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]))
    : {};
