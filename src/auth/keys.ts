/**
 * Auth-file keys: how podman (containers/image) and docker turn a key such as
 * `https://quay-proxy.ci.openshift.org/v1/` or `quay-proxy.ci.openshift.org/openshift/ci` into a host.
 * Pure string work: no I/O.
 */

/** containers/image treats these as one registry; so do we when comparing hosts. */
export function normalizeRegistry(host: string): string {
  return host === 'docker.io' || host === 'registry-1.docker.io'
    ? 'index.docker.io'
    : host;
}

export function hasScheme(key: string): boolean {
  return key.startsWith('http://') || key.startsWith('https://');
}

function stripScheme(key: string): string {
  if (key.startsWith('https://')) return key.slice('https://'.length);
  if (key.startsWith('http://')) return key.slice('http://'.length);
  return key;
}

/**
 * The host a key stands for, as containers/image's normalizeAuthFileKey computes it: a scheme-prefixed
 * key (or any key in the legacy ~/.dockercfg) is cut at its first `/`; a scheme-less key with a path is
 * a namespace key and keeps its path (it then names no host on its own).
 */
export function podmanKeyHost(key: string, legacyFormat: boolean): string {
  let stripped = stripScheme(key);
  if (legacyFormat || stripped !== key)
    stripped = stripped.split('/', 1)[0] ?? '';
  return normalizeRegistry(stripped);
}

/** docker's ConvertToHostname: drop the scheme, cut at the first `/`, whatever the key looks like. */
export function dockerKeyHost(key: string): string {
  return stripScheme(key).split('/', 1)[0] ?? '';
}

export interface KeyParts {
  /** The registry host (with port), lower-level normalisation (docker.io) not applied. */
  host: string;
  /** `ns/repo` for a scheme-less per-repository key; undefined for a host key or a URL key. */
  repository: string | undefined;
  scheme: boolean;
}

/** Splits a key into host and repository the way a reader of the file should see it. */
export function keyParts(key: string, legacyFormat: boolean): KeyParts {
  const scheme = hasScheme(key);
  const stripped = stripScheme(key);
  const slash = stripped.indexOf('/');
  if (slash === -1) return { host: stripped, repository: undefined, scheme };
  const host = stripped.slice(0, slash);
  if (scheme || legacyFormat) return { host, repository: undefined, scheme };
  const repository = stripped.slice(slash + 1).replace(/\/+$/, '');
  return {
    host,
    repository: repository === '' ? undefined : repository,
    scheme,
  };
}

/**
 * The keys podman tries, most specific first, for an image in `host/repository`:
 * `host/ns/repo`, `host/ns`, `host` (containers/image authKeyLookupOrder). Legacy files: the host only.
 */
export function podmanLookupKeys(
  host: string,
  repository: string | undefined,
  legacyFormat: boolean,
): string[] {
  if (legacyFormat || !repository) return [host];
  const keys: string[] = [];
  let key = `${host}/${repository}`;
  for (;;) {
    keys.push(key);
    const slash = key.lastIndexOf('/');
    if (slash === -1) break;
    key = key.slice(0, slash);
  }
  return keys;
}

/** Cleans what a user or caller hands us as a repository: `openshift/ci`, `/openshift/ci/` → `openshift/ci`. */
export function cleanRepository(
  repository: string | undefined,
): string | undefined {
  if (repository === undefined) return undefined;
  const cleaned = repository.replace(/^\/+|\/+$/g, '');
  return cleaned === '' ? undefined : cleaned;
}

/**
 * Whether a key belongs to `host` in any form a clean-up should remove: the host itself, a URL whose host
 * is `host` (`https://host/v1/`), or a per-repository key under it (`host/ns/repo`).
 */
export function keyBelongsToHost(key: string, host: string): boolean {
  const want = normalizeRegistry(host);
  return normalizeRegistry(dockerKeyHost(key)) === want;
}
