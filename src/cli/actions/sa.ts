/**
 * What `qci sa init` and `qci sa token` do once they run, and how their results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/sa.ts.
 */
import { ExitCode, usageError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
// Type-only here: the implementation (files, the kube client) loads when a subcommand runs.
import type { InitReport, TokenReport } from '../../session/service-account.js';

const impl = () => import('../../session/service-account.js');

interface InitFlags {
  project: string;
  admins: string;
  owners?: string[];
  releaseRepo?: string;
  force?: boolean;
}

interface TokenFlags {
  project: string;
  name: string;
  duration: string;
  output?: string;
  show?: boolean;
  context?: string;
}

export async function saInitAction(
  ctx: CommandContext,
  options: InitFlags,
): Promise<number> {
  const { initRegistryAccess } = await impl();
  const report: InitReport = await initRegistryAccess({
    project: options.project,
    admins: options.admins,
    owners: options.owners ?? [],
    releaseRepo: options.releaseRepo,
    force: options.force === true,
  });
  if (ctx.json) ctx.ui.json(report);
  else if (report.releaseRepo === null) {
    // Both files on stdout, each under a `# ==> path <==` line (as `head` prints several files).
    ctx.ui.print(
      report.files
        .map((f) => `# ==> ${f.path} <==\n${f.content}`)
        .join('\n')
        .trimEnd(),
    );
  }
  for (const file of report.files)
    if (file.writtenTo)
      ctx.ui.info(`${file.action.padEnd(9)} ${file.writtenTo}`);
  for (const warning of report.warnings) ctx.ui.warn(warning);
  ctx.ui.info('next steps:');
  for (const [i, step] of report.nextSteps.entries()) {
    ctx.ui.info(`  ${i + 1}. ${step}`);
  }
  return ExitCode.ok;
}

export async function saTokenAction(
  ctx: CommandContext,
  options: TokenFlags,
): Promise<number> {
  // `--output -` is standard output, as `-` is standard input to pullspec and job-image.
  if (options.output === '-') options = { ...options, output: undefined };
  const { tokenDuration } = await import('../../core/duration.js');
  // Everything a user can get wrong is checked before app.ci mints a token.
  const seconds = tokenDuration(options.duration);
  const { checkTokenTarget, requestServiceAccountToken, saveToken } =
    await impl();
  checkTokenTarget(options.project, options.name);
  const toStdout =
    options.show === true ||
    (ctx.io.stdout.isTTY !== true && options.output === undefined);
  if (!toStdout && options.output === undefined) {
    throw usageError('qci does not print a token to a terminal unless asked', {
      hint: 'save it with --output FILE (mode 0600), pipe it (qci sa token … | podman login …), or pass --show',
    });
  }
  const { authSetup } = await import('../auth-setup.js');
  const setup = authSetup(
    ctx,
    await ctx.settings({ context: options.context }),
  );
  const { token, report } = await requestServiceAccountToken(setup, {
    project: options.project,
    name: options.name,
    seconds,
  });
  const saved =
    options.output !== undefined
      ? await saveToken(options.output, token)
      : null;
  const out: TokenReport & { output: string | null; token?: string } = {
    ...report,
    output: saved,
  };
  // Written directly, not through the Ui: it masks anything token-shaped, and here the token is the data.
  if (ctx.json)
    ctx.io.stdout.write(
      `${JSON.stringify(toStdout ? { ...out, token } : out, null, 2)}\n`,
    );
  else if (toStdout) ctx.io.stdout.write(`${token}\n`);

  const ui = ctx.ui;
  ui.info(
    `${ui.err.green('✓')} token for serviceaccount ${report.project}/${report.serviceAccount}${report.subject ? ` (${report.subject})` : ''}`,
  );
  ui.info(
    `  ${report.expiry ?? 'expiry unknown'}${report.expiresAt ? ` (${report.expiresAt})` : ''}; issued by app.ci context "${report.context}" (${report.contextFoundBy})`,
  );
  if (saved) ui.info(`  saved to ${saved} (mode 0600)`);
  for (const warning of report.warnings) ui.warn(warning);
  if (saved) ui.info(`use it: qci login --token-file ${options.output}`);
  return ExitCode.ok;
}
