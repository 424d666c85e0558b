/** `qci login --helper` and `qci logout --helper`: rendering of src/session/cred-helper.ts (loaded when used). */
import { realpathSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ExitCode, usageError } from '../../core/errors.js';
import { QCI_PROXY_HOST } from '../../core/reference.js';
import type { HelperLogoutReport } from '../../session/cred-helper.js';
import { tildify } from '../../core/paths.js';
import type { CommandContext } from '../context.js';
import { settingFlags, type SettingFlags } from '../setting-flags.js';

const impl = async () => ({
  ...(await import('../../session/cred-helper.js')),
  ...(await import('../auth-setup.js')),
});

/** The directory of the running bin/qci, for "put it on PATH" advice; undefined when qci runs some other way. */
function qciBinDir(): string | undefined {
  try {
    const script = realpathSync(process.argv[1] ?? '');
    return basename(script) === 'qci' ? dirname(script) : undefined;
  } catch {
    return undefined;
  }
}

export async function loginHelperAction(
  ctx: CommandContext,
  options: SettingFlags & { authfile?: string; tokenFile?: string },
): Promise<number> {
  // podman runs the helper with its own environment and no qci flags: a setting only a flag gives would not reach it.
  if (options.authfile !== undefined)
    throw usageError(
      '--helper registers the helper in the files podman and docker read; --authfile does not apply',
    );
  if (options.tokenFile !== undefined) {
    throw usageError('the helper cannot see --token-file', {
      hint: 'export QCI_TOKEN_FILE=FILE where podman runs (the helper reads it), then qci login --helper',
    });
  }
  const resolved = await ctx.settings(settingFlags(options));
  const unflagged =
    options.context !== undefined || options.registry !== undefined
      ? (await ctx.settings({})).settings
      : resolved.settings;
  if (
    resolved.sources.context === 'flag' &&
    resolved.settings.context !== unflagged.context
  ) {
    throw usageError(
      "the helper cannot see --context (podman runs it without qci's flags)",
      {
        hint: `export QCI_CONTEXT=${resolved.settings.context ?? 'NAME'} where podman runs, or set "context: ${resolved.settings.context ?? 'NAME'}" in ~/.config/qci/config.yaml`,
      },
    );
  }
  if (
    resolved.sources.registry === 'flag' &&
    resolved.settings.registry !== unflagged.registry &&
    resolved.settings.registry !== QCI_PROXY_HOST
  ) {
    throw usageError(
      `the helper cannot see --registry (podman runs it without qci's flags); it answers for ${unflagged.registry}`,
      {
        hint: `export QCI_REGISTRY=${resolved.settings.registry} where podman runs, or set "registry: ${resolved.settings.registry}" in ~/.config/qci/config.yaml`,
      },
    );
  }
  const { authSetup, registerCredHelper } = await impl();
  const setup = authSetup(ctx, resolved);
  const report = await registerCredHelper(setup, { binDir: qciBinDir() });
  if (ctx.json) ctx.ui.json(report);
  const t = (p: string) => tildify(p, setup.home);
  ctx.ui.info(
    `${ctx.ui.err.green('✓')} podman and docker now ask ${report.helper} for ${report.registry}: every pull gets the current token of ${report.user}`,
  );
  ctx.ui.info(
    `  token from ${report.tokenSource}${report.expiry ? `; it ${report.expiry}` : ''}; nothing is stored in an auth file`,
  );
  for (const f of report.files) {
    const what = [
      f.registeredFor.length > 0
        ? `${f.alreadyRegistered ? 'already registered' : 'registered'}${f.replaced ? ` (replacing docker-credential-${f.replaced})` : ''}`
        : '',
      f.removed.length > 0
        ? `removed the stored QCI credential ${f.removed.join(', ')}`
        : '',
    ].filter(Boolean);
    ctx.ui.info(
      `  ${t(f.path)}${f.registeredFor.length > 0 ? ` (${f.registeredFor.join(', ')})` : ''}: ${what.join('; ')}${f.backup ? ` (backup: ${t(f.backup)})` : ''}`,
    );
  }
  if (report.files.some((f) => f.removed.length > 0)) {
    ctx.ui.info(
      '  (with the helper no secret needs to sit in a file, and one left behind would be used instead of it wherever it is not registered)',
    );
  }
  for (const warning of report.warnings) ctx.ui.warn(warning);
  // podman runs the helper with ITS environment: a setting this shell has only in a variable may not be there.
  const fromEnv = [
    resolved.sources.registry === 'environment'
      ? `QCI_REGISTRY=${resolved.settings.registry}`
      : '',
    resolved.sources.context === 'environment'
      ? `QCI_CONTEXT=${resolved.settings.context ?? ''}`
      : '',
    ctx.io.env.QCI_TOKEN_FILE
      ? `QCI_TOKEN_FILE=${ctx.io.env.QCI_TOKEN_FILE}`
      : '',
  ].filter(Boolean);
  if (fromEnv.length > 0) {
    ctx.ui.warn(
      `the helper sees ${fromEnv.join(' and ')} only where podman and docker run with it exported; settings in ~/.config/qci/config.yaml (registry, context) hold everywhere`,
    );
  }
  return ExitCode.ok;
}

/** Removes the helper's registrations; the caller (logout) then removes stored credentials as usual. */
export async function logoutHelper(
  ctx: CommandContext,
  options: { registry?: string; dryRun?: boolean; authfile?: string },
): Promise<{ exitCode: number; report: HelperLogoutReport }> {
  const { authSetup, unregisterCredHelper } = await impl();
  const setup = authSetup(
    ctx,
    await ctx.settings({ registry: options.registry }),
  );
  const report = await unregisterCredHelper(setup, {
    dryRun: options.dryRun === true,
    authfile: options.authfile,
  });
  const t = (p: string) => tildify(p, setup.home);
  for (const file of report.files) {
    if (file.error) ctx.ui.error(leftUnchanged(file.path, file.error, t));
    else
      ctx.ui.info(
        `${report.dryRun ? 'would remove' : 'removed'} credential helper docker-credential-${file.found ?? 'qci'} for ${report.registry} from ${t(file.path)}${file.backup ? ` (backup: ${t(file.backup)})` : ''}`,
      );
  }
  for (const other of report.otherHelpers) {
    ctx.ui.warn(
      `${t(other.path)} sends ${report.registry} to docker-credential-${other.helper}, not qci's helper; left as it is (\`docker logout ${report.registry}\` erases its secret)`,
    );
  }
  if (report.files.length === 0 && report.otherHelpers.length === 0)
    ctx.ui.info(
      `docker-credential-qci is not registered for ${report.registry} in any auth file podman or docker reads`,
    );
  return {
    exitCode: report.files.some((f) => f.error)
      ? ExitCode.failure
      : ExitCode.ok,
    report,
  };
}

/** A file logout could not change, named once (the reason often starts with the path itself). */
export function leftUnchanged(
  path: string,
  error: string,
  t: (p: string) => string,
): string {
  const reason = error.startsWith(`${path}: `)
    ? error.slice(path.length + 2)
    : error;
  return `${t(path)}: ${reason}; left unchanged`;
}
