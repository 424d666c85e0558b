/** The setting flags several commands share (--context, --registry, --engine, --tls-verify). */
import type { Command, Option } from 'commander';

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
