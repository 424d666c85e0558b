/** podman and docker: which one to use, and the exact arguments qci gives them. Pure except findEngine. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { QciError } from '../core/errors.js';

export type EngineName = 'podman' | 'docker';

export function onPath(
  command: string,
  env: Record<string, string | undefined>,
): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

/** `auto` means podman when installed, else docker. */
export function findEngine(
  setting: EngineName | 'auto',
  env: Record<string, string | undefined>,
): EngineName {
  if (setting !== 'auto') {
    if (!onPath(setting, env)) throw notInstalled(setting);
    return setting;
  }
  if (onPath('podman', env)) return 'podman';
  if (onPath('docker', env)) return 'docker';
  throw notInstalled(null);
}

const INSTALL_PODMAN =
  'install podman (apt-get install podman, dnf install podman, brew install podman)';

/**
 * The one "not installed" error (exit 7): `command` is not on PATH, or (null) neither engine is.
 * An engine's hint offers the other one.
 */
export function notInstalled(command: string | null): QciError {
  if (command === null)
    return new QciError('neither podman nor docker is installed', {
      kind: 'missing-tool',
      hint: INSTALL_PODMAN,
    });
  const install = command === 'podman' ? INSTALL_PODMAN : `install ${command}`;
  const engine = command === 'podman' || command === 'docker';
  return new QciError(`${command} is not installed (not found on PATH)`, {
    kind: 'missing-tool',
    hint: engine
      ? `${install}, or pick the other engine with --engine / QCI_ENGINE`
      : install,
  });
}

export interface LoginArgs {
  engine: EngineName;
  host: string;
  user: string;
  authfile?: string | undefined;
  tlsVerify: boolean;
}

/** The password always goes on stdin (--password-stdin): argv is visible to every user of the machine. */
export function buildLoginArgs(o: LoginArgs): string[] {
  if (o.engine === 'docker')
    return ['login', '--password-stdin', '--username', o.user, o.host];
  return [
    'login',
    '--password-stdin',
    '--username',
    o.user,
    ...(o.authfile ? ['--authfile', o.authfile] : []),
    ...(o.tlsVerify ? [] : ['--tls-verify=false']),
    o.host,
  ];
}

/** Parses `podman --version` / `docker --version` output into "4.3.1". */
export function parseEngineVersion(output: string): string | null {
  return /version\s+v?(\d+\.\d+(?:\.\d+)?)/i.exec(output)?.[1] ?? null;
}

export interface PullArgs {
  engine: EngineName;
  pullSpec: string;
  platform: string;
  quiet: boolean;
  tlsVerify: boolean;
  authfile?: string | undefined;
}

export function buildPullArgs(o: PullArgs): string[] {
  if (o.engine === 'docker')
    return [
      'pull',
      '--platform',
      o.platform,
      ...(o.quiet ? ['--quiet'] : []),
      o.pullSpec,
    ];
  return [
    'pull',
    '--platform',
    o.platform,
    ...(o.quiet ? ['--quiet'] : []),
    ...(o.authfile ? ['--authfile', o.authfile] : []),
    ...(o.tlsVerify ? [] : ['--tls-verify=false']),
    o.pullSpec,
  ];
}

/** `docker image inspect`'s ID of a pulled image: podman pull prints it itself, docker pull does not. */
export function buildImageIdArgs(pullSpec: string): string[] {
  return ['image', 'inspect', '--format', '{{.Id}}', pullSpec];
}

/** The ID in `docker image inspect --format {{.Id}}` output, without "sha256:" (as podman prints it). */
export function parseImageId(output: string): string | null {
  return /^sha256:([0-9a-f]{64})$/.exec(output.trim())?.[1] ?? null;
}
