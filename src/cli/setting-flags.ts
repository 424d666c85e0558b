/** The setting flags several commands share (--context, --registry, --engine, --tls-verify). */
import type { Command, Option } from 'commander';
import { QciError } from '../core/errors.js';
import {
  SETTING_NAMES,
  type ResolvedSettings,
  type SettingsSource,
} from '../core/settings.js';
import { findEngine } from '../engine/engine.js';

export interface SettingFlags {
  context?: string;
  engine?: string;
  registry?: string;
  tlsVerify?: string | boolean;
}

export const settingFlags = ({
  context,
  engine,
  registry,
  tlsVerify,
}: SettingFlags) => ({ context, engine, registry, tlsVerify });

/** --registry, for the commands that take it without the other setting flags. */
export const REGISTRY_OPTION = [
  '--registry <host>',
  'QCI pull host (env QCI_REGISTRY; default quay-proxy.ci.openshift.org)',
] as const;

export function addSettingOptions(
  command: Command,
  withEngine = true,
): Command {
  command
    .option(
      '--context <name>',
      'app.ci kube context (env QCI_CONTEXT; default: the context named app.ci, else the one whose server is app.ci)',
    )
    .option(...REGISTRY_OPTION);
  if (withEngine) {
    command
      .option(
        '--engine <name>',
        'podman or docker (env QCI_ENGINE; default podman when installed)',
      )
      .option(
        '--tls-verify [bool]',
        'verify the registry TLS certificate (env QCI_TLS_VERIFY; default true)',
      );
  }
  return command;
}

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

/** The values an optional boolean flag takes as the next argument; `--flag=VALUE` takes the rest too. */
const BOOLEAN_WORD = /^(true|false)$/i;

/**
 * `argv` with each optional boolean flag (`--tls-verify [bool]`) that is not followed by true or false
 * written `--flag=true`, so that commander leaves the next argument alone: `--tls-verify REF` is the
 * flag, then REF. podman's --tls-verify takes no separate value at all; qci keeps `--tls-verify false`.
 */
export function bareBooleanFlags(
  argv: readonly string[],
  options: readonly Option[],
): string[] {
  const flags = new Set(
    options
      .filter((o) => o.optional && o.flags.endsWith(' [bool]'))
      .map((o) => o.long),
  );
  const out = [...argv];
  if (flags.size === 0) return out;
  for (let i = 0; i < out.length && out[i] !== '--'; i++) {
    if (flags.has(out[i]) && !BOOLEAN_WORD.test(out[i + 1] ?? ''))
      out[i] = `${out[i]}=true`;
  }
  return out;
}
