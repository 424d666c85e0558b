/** The setting flags several commands share (--context, --registry, --engine, --tls-verify). */
import type { Command } from 'commander';

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

export function addSettingOptions(
  command: Command,
  withEngine = true,
): Command {
  command
    .option(
      '--context <name>',
      'app.ci kube context (env QCI_CONTEXT; default: the context named app.ci, else the one whose server is app.ci)',
    )
    .option(
      '--registry <host>',
      'QCI pull host (env QCI_REGISTRY; default quay-proxy.ci.openshift.org)',
    );
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
