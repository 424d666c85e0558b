/**
 * Which auth files podman or docker consults, in order, for a given environment (containers-auth.json(5)).
 * Pure: the caller hands in the environment, home directory, uid and podman version; nothing is read.
 *
 * Sources: containers/image pkg/docker/config (getAuthFilePaths, getPathToAuth), containers/common
 * pkg/auth (GetDefaultAuthFile: REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json, becomes podman's
 * --authfile default), docker/cli cli/config.
 */
import { posix as path } from 'node:path';
import { tildify } from '../core/paths.js';

export type Engine = 'podman' | 'docker';
export type AuthFileFormat = 'auth.json' | 'docker-config' | 'dockercfg';
/**
 * - `primary`: read first; `podman login` / `docker login` write it, `logout` edits it.
 * - `fallback`: read only when earlier files hold no usable matching key; never written by login.
 */
export type AuthFileRole = 'primary' | 'fallback';

export interface AuthFileRef {
  path: string;
  role: AuthFileRole;
  format: AuthFileFormat;
  /** Where the path came from, for people: `$REGISTRY_AUTH_FILE`, `~/.docker/config.json (DOCKER_CONFIG unset)`. */
  why: string;
  /** `podman logout HOST` edits this file (removes the exact HOST key from it). */
  readByPodmanLogout: boolean;
  /** The engine's `login` writes credentials into this file. */
  writtenByLogin: boolean;
  /**
   * `podman login` rewrites this file keeping only `auths` and `credHelpers`: other keys
   * (`credsStore`, `HttpHeaders`, `psFormat`, …) are lost. True for podman's primary unless podman ≥ 4.8
   * writes a DOCKER_CONFIG file in Docker-compatible mode.
   */
  loginDropsUnknownKeys: boolean;
  /** Read only while this other file is missing (docker's legacy ~/.dockercfg). */
  readOnlyWhenMissing?: string;
  /**
   * podman stats it before a pull and fails when it is missing (`Error: stat …: no such file or
   * directory`, exit 125, nothing sent) [seen here, 4.3.1]: --authfile, REGISTRY_AUTH_FILE and
   * $DOCKER_CONFIG/config.json as the primary file; not the XDG runtime default.
   */
  mustExist?: boolean;
}

export interface DiscoveryOptions {
  env: Record<string, string | undefined>;
  home: string;
  uid: number;
  engine: Engine;
  /** `podman --version`'s number, e.g. "4.3.1". Unknown: the newest behaviour is assumed. */
  podmanVersion?: string;
  /** podman's `--authfile` flag (it wins over REGISTRY_AUTH_FILE). */
  authfile?: string;
}

/** containers/image 5.24 (podman 4.4): an explicit auth file is the only file read. */
export const AUTHFILE_ONLY_SINCE = [4, 4] as const;
/** containers/common 0.57 (podman 4.8): login keeps unknown keys of a DOCKER_CONFIG file; --compat-auth-file. */
export const COMPAT_AUTH_FILE_SINCE = [4, 8] as const;

export interface PodmanAuthBehaviour {
  version: string | undefined;
  /** False when no version was given or it could not be read: the newest behaviour is assumed. */
  known: boolean;
  /** --authfile / REGISTRY_AUTH_FILE / DOCKER_CONFIG make that one file the only file read. */
  explicitFileIsOnlyFile: boolean;
  /** login/logout with DOCKER_CONFIG set keep Docker's other keys (podman ≥ 4.8). */
  loginKeepsDockerKeys: boolean;
}

/**
 * Whether podman's version changes which files it reads: only with an explicit file (--authfile,
 * REGISTRY_AUTH_FILE, DOCKER_CONFIG), which podman < 4.4 reads before the usual ones and newer podman
 * reads alone. Without one, every version reads the same files, and `podman --version` need not be asked.
 */
export function podmanVersionMatters(
  options: Pick<DiscoveryOptions, 'env' | 'authfile'>,
): boolean {
  return (
    (options.authfile !== undefined && options.authfile !== '') ||
    envValue(options.env, 'REGISTRY_AUTH_FILE') !== undefined ||
    envValue(options.env, 'DOCKER_CONFIG') !== undefined
  );
}

/** Reads "4.3.1", "v4.9.4-dev", "podman version 5.0.2" into [major, minor, patch]. */
export function parsePodmanVersion(
  text: string,
): [number, number, number] | undefined {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

function atLeast(
  version: readonly number[],
  floor: readonly number[],
): boolean {
  for (let i = 0; i < floor.length; i++) {
    const a = version[i] ?? 0;
    const b = floor[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

export function podmanAuthBehaviour(version?: string): PodmanAuthBehaviour {
  const parsed =
    version === undefined ? undefined : parsePodmanVersion(version);
  if (!parsed)
    return {
      version,
      known: false,
      explicitFileIsOnlyFile: true,
      loginKeepsDockerKeys: true,
    };
  return {
    version,
    known: true,
    explicitFileIsOnlyFile: atLeast(parsed, AUTHFILE_ONLY_SINCE),
    loginKeepsDockerKeys: atLeast(parsed, COMPAT_AUTH_FILE_SINCE),
  };
}

/** Go's os.Getenv(...) != "": an empty variable counts as unset. */
function envValue(
  env: Record<string, string | undefined>,
  name: string,
): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The file named explicitly, which becomes podman's primary. */
interface ExplicitFile {
  path: string;
  /** How a note names it: `--authfile`, `$REGISTRY_AUTH_FILE`. */
  label: string;
  why: string;
  format: AuthFileFormat;
  /** A DOCKER_CONFIG file, whose other keys podman ≥ 4.8 keeps on login. */
  dockerCompat: boolean;
}

/**
 * --authfile, else REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json (containers/common
 * GetDefaultAuthFile makes it --authfile's default); undefined when none is set.
 */
function explicitAuthFile(options: DiscoveryOptions): ExplicitFile | undefined {
  const registryAuthFile = envValue(options.env, 'REGISTRY_AUTH_FILE');
  const dockerConfig = envValue(options.env, 'DOCKER_CONFIG');
  if (options.authfile !== undefined && options.authfile !== '')
    return {
      path: options.authfile,
      label: '--authfile',
      why: '--authfile',
      format: 'auth.json',
      dockerCompat: false,
    };
  if (registryAuthFile !== undefined)
    return {
      path: registryAuthFile,
      label: '$REGISTRY_AUTH_FILE',
      why: '$REGISTRY_AUTH_FILE',
      format: 'auth.json',
      dockerCompat: false,
    };
  if (dockerConfig !== undefined)
    return {
      path: path.join(dockerConfig, 'config.json'),
      label: '$DOCKER_CONFIG/config.json',
      why: '$DOCKER_CONFIG/config.json (DOCKER_CONFIG set: podman reads it instead of the XDG runtime file)',
      format: 'docker-config',
      dockerCompat: true,
    };
  return undefined;
}

/** podman's primary file: the explicit one, else the XDG runtime file. */
function podmanPrimary(
  options: DiscoveryOptions,
  explicit: ExplicitFile | undefined,
  behaviour: PodmanAuthBehaviour,
): AuthFileRef {
  if (explicit)
    return {
      path: explicit.path,
      role: 'primary',
      format: explicit.format,
      why: explicit.why,
      readByPodmanLogout: true,
      writtenByLogin: true,
      loginDropsUnknownKeys: !(
        explicit.dockerCompat && behaviour.loginKeepsDockerKeys
      ),
      mustExist: true,
    };
  const runtimeDir = envValue(options.env, 'XDG_RUNTIME_DIR');
  return {
    path: runtimeDir
      ? path.join(runtimeDir, 'containers', 'auth.json')
      : `/run/containers/${options.uid}/auth.json`,
    role: 'primary',
    format: 'auth.json',
    why: runtimeDir
      ? '${XDG_RUNTIME_DIR}/containers/auth.json'
      : `/run/containers/${options.uid}/auth.json (XDG_RUNTIME_DIR unset; gone after a reboot)`,
    readByPodmanLogout: true,
    writtenByLogin: true,
    loginDropsUnknownKeys: true,
  };
}

/**
 * The files podman reads after its primary, in order, as containers/image's getAuthFilePaths lists
 * them: ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json, $DOCKER_CONFIG/config.json (else
 * ~/.docker/config.json), ~/.dockercfg (the legacy format without the "auths" wrapper).
 * `note` ends each `why` (podman < 4.4 reads them after an explicit file too).
 */
function podmanLookupOrder(
  options: DiscoveryOptions,
  note: string,
): Pick<AuthFileRef, 'path' | 'format' | 'why'>[] {
  const { env, home } = options;
  const configHome = envValue(env, 'XDG_CONFIG_HOME');
  const dockerConfig = envValue(env, 'DOCKER_CONFIG');
  return [
    {
      path: path.join(
        configHome ?? path.join(home, '.config'),
        'containers',
        'auth.json',
      ),
      format: 'auth.json',
      why:
        (configHome
          ? '${XDG_CONFIG_HOME}/containers/auth.json'
          : '~/.config/containers/auth.json (XDG_CONFIG_HOME unset)') + note,
    },
    {
      path: dockerConfig
        ? path.join(dockerConfig, 'config.json')
        : path.join(home, '.docker', 'config.json'),
      format: 'docker-config',
      why:
        (dockerConfig
          ? '$DOCKER_CONFIG/config.json'
          : '~/.docker/config.json (DOCKER_CONFIG unset)') + note,
    },
    {
      path: path.join(home, '.dockercfg'),
      format: 'dockercfg',
      why: `~/.dockercfg (legacy format)${note}`,
    },
  ];
}

/** The files podman (skopeo, buildah: containers/image) reads, in order. */
function podmanCandidates(options: DiscoveryOptions): AuthFileRef[] {
  const behaviour = podmanAuthBehaviour(options.podmanVersion);
  const explicit = explicitAuthFile(options);
  const refs = [podmanPrimary(options, explicit, behaviour)];
  if (explicit && behaviour.explicitFileIsOnlyFile) return refs;
  // Only podman < 4.4 gets here with an explicit file.
  const versionNote = behaviour.known
    ? `podman ${behaviour.version ?? ''}`
    : 'podman version unknown, newest behaviour assumed';
  const note = explicit
    ? `; still read after ${explicit.label} by podman < 4.4 (${versionNote})`
    : '';
  for (const file of podmanLookupOrder(options, note)) {
    // $DOCKER_CONFIG/config.json can be the primary and the third file.
    if (refs.some((r) => r.path === file.path)) continue;
    refs.push({
      ...file,
      role: 'fallback',
      readByPodmanLogout: false,
      writtenByLogin: false,
      loginDropsUnknownKeys: false,
    });
  }
  return refs;
}

/** The files docker reads: config.json in $DOCKER_CONFIG (a directory) or ~/.docker; credHelpers/credsStore live inside it. */
function dockerCandidates(options: DiscoveryOptions): AuthFileRef[] {
  const { env, home } = options;
  const dockerConfig = envValue(env, 'DOCKER_CONFIG');
  const configPath = dockerConfig
    ? path.join(dockerConfig, 'config.json')
    : path.join(home, '.docker', 'config.json');
  const podmanPrimary = podmanCandidates({ ...options, engine: 'podman' })[0]
    ?.path;
  const refs: AuthFileRef[] = [
    {
      path: configPath,
      role: 'primary',
      format: 'docker-config',
      why: dockerConfig
        ? '$DOCKER_CONFIG/config.json'
        : '~/.docker/config.json (DOCKER_CONFIG unset)',
      readByPodmanLogout: podmanPrimary === configPath,
      writtenByLogin: true,
      loginDropsUnknownKeys: false,
    },
  ];
  const legacy = path.join(home, '.dockercfg');
  refs.push({
    path: legacy,
    role: 'fallback',
    format: 'dockercfg',
    why: `~/.dockercfg (legacy; docker < 25 reads it only while ${tildify(configPath, home)} is missing)`,
    readByPodmanLogout: podmanPrimary === legacy,
    writtenByLogin: false,
    loginDropsUnknownKeys: false,
    readOnlyWhenMissing: configPath,
  });
  return refs;
}

/** The auth files `engine` consults, in the order it consults them. */
export function authFileCandidates(options: DiscoveryOptions): AuthFileRef[] {
  return options.engine === 'docker'
    ? dockerCandidates(options)
    : podmanCandidates(options);
}

/** A ref for a path the caller names directly (a test, `qci … --authfile`): the format comes from the name. */
export function authFileRef(
  filePath: string,
  partial: Partial<AuthFileRef> = {},
): AuthFileRef {
  const base = path.basename(filePath);
  const format: AuthFileFormat =
    base === '.dockercfg'
      ? 'dockercfg'
      : base === 'config.json'
        ? 'docker-config'
        : 'auth.json';
  return {
    path: filePath,
    role: 'primary',
    format,
    why: 'given path',
    readByPodmanLogout: false,
    writtenByLogin: false,
    loginDropsUnknownKeys: false,
    ...partial,
  };
}
