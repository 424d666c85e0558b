/** --tls-verify=false and docker (loaded by the commands that may run docker, not at start-up). */
import { QciError } from '../core/errors.js';
import {
  SETTING_NAMES,
  type ResolvedSettings,
  type SettingsSource,
} from '../core/settings.js';
import { findEngine } from '../engine/engine.js';

/**
 * docker has no --tls-verify (docker 20.10's pull and login take none): dockerd's "insecure-registries"
 * decides. Given as a flag to a command that runs docker, --tls-verify=false is refused, not ignored.
 * From the environment or the config file it is a standing setting that still turns off qci's own
 * checks (a local test registry over plain HTTP needs that): `note` (--verbose) says docker ignores it.
 */
export function checkDockerTlsVerify(
  resolved: ResolvedSettings,
  env: Record<string, string | undefined>,
  note: (line: string) => void,
  host = resolved.settings.registry,
): void {
  if (resolved.settings.tlsVerify || !runsDocker(resolved, env)) return;
  const daemon = `add "${host}" to "insecure-registries" in /etc/docker/daemon.json and restart dockerd`;
  const source = resolved.sources.tlsVerify;
  if (source === 'flag')
    throw new QciError(
      "--tls-verify=false does not reach docker: docker has no such flag, dockerd's insecure-registries decides",
      {
        kind: 'usage',
        hint: `${daemon}, then rerun without --tls-verify (or use --engine podman)`,
      },
    );
  note(
    `docker has no --tls-verify: ${settingName(source)} turns off qci's own TLS checks only; for docker, ${daemon}`,
  );
}

function runsDocker(
  resolved: ResolvedSettings,
  env: Record<string, string | undefined>,
): boolean {
  try {
    return findEngine(resolved.settings.engine, env) === 'docker';
  } catch {
    return false; // the command says itself that no engine is installed
  }
}

function settingName(source: SettingsSource): string {
  const names = SETTING_NAMES.tlsVerify;
  return source === 'config file'
    ? `${names.file}: false in the config file`
    : `${names.env}=false`;
}
