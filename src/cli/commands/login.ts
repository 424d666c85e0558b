import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { examples, type CommandContext, type Wrap } from '../context.js';
// Type-only at start-up: the implementation (auth files, kube client, execa) loads when a command runs.
import type { StatusReport } from '../../session/status.js';
import { tildify } from '../../core/paths.js';
import { loginHelperAction, logoutHelper } from './login-helper.js';
import {
  addSettingOptions,
  settingFlags,
  type SettingFlags,
} from '../setting-flags.js';

const impl = async () => ({
  ...(await import('../../session/login.js')),
  ...(await import('../../session/status.js')),
  ...(await import('../../session/logout.js')),
  ...(await import('../../session/setup.js')),
  ...(await import('../auth-setup.js')),
});

export async function loginAction(
  ctx: CommandContext,
  options: SettingFlags & {
    authfile?: string;
    tokenFile?: string;
    helper?: boolean;
  },
): Promise<number> {
  if (options.helper) return loginHelperAction(ctx, options);
  const { authSetup, loginToQci } = await impl();
  const setup = authSetup(ctx, await ctx.settings(settingFlags(options)));
  const report = await loginToQci(setup, {
    authfile: options.authfile,
    tokenFile: options.tokenFile,
  });
  if (ctx.json) ctx.ui.json(report);
  const t = (p: string) => tildify(p, setup.home);
  ctx.ui.info(
    `${ctx.ui.err.green('✓')} Logged in to ${report.registry} as ${report.user} (${report.engine})`,
  );
  ctx.ui.info(
    report.helper
      ? `  credential in docker-credential-${report.helper} (named by ${t(report.authFile)})`
      : `  credential in ${t(report.authFile)}`,
  );
  if (options.tokenFile !== undefined)
    ctx.ui.info(
      `  token from ${t(options.tokenFile)}${report.expiry ? `; ${report.expiry}` : ''}`,
    );
  else
    ctx.ui.info(
      `  app.ci context "${report.context}" (${report.contextFoundBy})${report.expiry ? `; token ${report.expiry}` : ''}`,
    );
  for (const warning of report.warnings) ctx.ui.warn(warning);
  return ExitCode.ok;
}

export async function logoutAction(
  ctx: CommandContext,
  options: {
    context?: string;
    registry?: string;
    dryRun?: boolean;
    authfile?: string;
    helper?: boolean;
  },
): Promise<number> {
  // --helper: first the docker-credential-qci registrations, then the stored credentials as always.
  const helper = options.helper ? await logoutHelper(ctx, options) : undefined;
  const { authSetup, logoutFromQci } = await impl();
  const setup = authSetup(
    ctx,
    await ctx.settings({ registry: options.registry }),
  );
  const report = await logoutFromQci(setup, {
    dryRun: options.dryRun === true,
    authfile: options.authfile,
  });
  if (ctx.json) {
    ctx.ui.json(helper ? { ...report, helper: helper.report } : report);
  }
  const t = (p: string) => tildify(p, setup.home);
  const verb = report.dryRun ? 'would remove' : 'removed';
  let any = false;
  for (const file of report.files) {
    if (file.error)
      ctx.ui.error(`${t(file.path)}: ${file.error}; left unchanged`);
    if (file.removed.length > 0) {
      any = true;
      ctx.ui.info(
        `${verb} ${file.removed.join(', ')} from ${t(file.path)}${file.backup ? ` (backup: ${t(file.backup)})` : ''}`,
      );
    }
    if (file.helper === 'qci') {
      ctx.ui.warn(
        `${t(file.path)} sends ${report.registry} to docker-credential-qci (qci login --helper), which keeps answering with your app.ci token; \`qci logout --helper\` removes it`,
      );
    } else if (file.helper) {
      ctx.ui.warn(
        `${t(file.path)} sends ${report.registry} to credential helper docker-credential-${file.helper}; qci logout does not change other helpers (\`docker logout ${report.registry}\` erases its secret)`,
      );
    }
  }
  if (!any && !report.files.some((f) => f.error))
    ctx.ui.info(
      `no ${report.registry} credentials in any auth file podman or docker reads`,
    );
  return helper?.exitCode || report.exitCode;
}

function renderStatus(ctx: CommandContext, report: StatusReport): void {
  const c = ctx.ui.out;
  const mark = (ok: boolean) => (ok ? c.green('✓') : c.red('✗'));
  const line = (label: string, text: string) =>
    ctx.ui.print(`${label.padEnd(9)}${text}`);
  if (report.appci) {
    const a = report.appci;
    line(
      'app.ci',
      `${mark(true)} ${a.user} (context "${a.context}", ${a.contextFoundBy}; ${a.server})`,
    );
    line(
      'token',
      `${a.expiry === null ? `${a.token} (${a.tokenKind}), expiry unknown` : `${mark(!a.expiry.startsWith('expired'))} ${a.token} (${a.tokenKind}) ${a.expiry}`}`,
    );
    line(
      'QCI',
      a.qciAccess
        ? `${mark(true)} access allowed`
        : `${mark(false)} no access (get imagestreams/layers in ocp is denied)`,
    );
  } else if (report.appciError) {
    line('app.ci', `${mark(false)} ${report.appciError.message}`);
    if (report.appciError.hint) line('', `fix: ${report.appciError.hint}`);
  }
  for (const view of report.engines) {
    const good = ['current', 'valid', 'helper'].includes(view.state);
    const head = view.installed
      ? `${view.version ? `${view.version}; ` : ''}`
      : 'not installed; its config is still read by podman; ';
    line(
      view.engine,
      `${mark(good)} ${head}${view.detail.replace(/^\S+ /, '')}`,
    );
    for (const s of view.shadowed) line('', `hidden behind it: ${s}`);
    for (const s of view.unreachableByPodmanLogout)
      line('', `\`podman logout\` would leave: ${s}`);
  }
}

export async function whoamiAction(
  ctx: CommandContext,
  options: SettingFlags,
): Promise<number> {
  const { authSetup, qciStatus } = await impl();
  const setup = authSetup(ctx, await ctx.settings(settingFlags(options)));
  const report = await qciStatus(setup);
  if (ctx.json) ctx.ui.json(report);
  else renderStatus(ctx, report);
  return report.exitCode;
}

export function registerLogin(program: Command, wrap: Wrap): void {
  addSettingOptions(
    program
      .command('login')
      .summary('log podman (or docker) in to QCI with your app.ci token')
      .description(
        "Log the container engine in to QCI with the token of your app.ci kube context, as the docs' " +
          '`podman login -u=$(oc whoami) -p=$(oc whoami -t) quay-proxy.ci.openshift.org` does, but safely: the token goes on stdin, ' +
          'QCI access is checked first, and qci says which file now holds the credential, when the token expires, ' +
          'and which other auth file holds an older QCI credential that could shadow or outlive it.',
      )
      .option(
        '--authfile <path>',
        'write the credential to this file (podman --authfile)',
      )
      .option(
        '--token-file <file>',
        'log in with the ServiceAccount token in this file (from qci sa token) instead of the kube context',
      )
      .option(
        '--helper',
        'store nothing: register docker-credential-qci (credHelpers) so every pull gets the current app.ci token',
      ),
  )
    .addHelpText(
      'after',
      examples([
        ['qci login', 'log podman in with the app.ci context'],
        ['qci login --authfile /tmp/t.c', 'into a separate auth file'],
        [
          'qci login --context ci/api-ci-l2s4-p1-openshiftapps-com:6443/me',
          'with a named context',
        ],
        [
          'qci login --token-file my-project.token',
          'with a ServiceAccount token (qci sa token)',
        ],
        [
          'qci login --helper',
          'no stored secret: podman and docker ask docker-credential-qci on each pull',
        ],
      ]),
    )
    .action(wrap(loginAction));

  program
    .command('logout')
    .summary(
      'remove QCI credentials from every auth file podman and docker read',
    )
    .description(
      'Remove QCI credentials from every auth file podman or docker reads, not only the one `podman logout` edits: ' +
        'a stale token in ~/.docker/config.json survives `podman logout` and keeps breaking pulls. Each changed file keeps a backup.',
    )
    .option('--dry-run', 'list what would be removed, change nothing')
    .option('--authfile <path>', 'also clean this auth file')
    .option(
      '--helper',
      'also remove the docker-credential-qci registration (qci login --helper)',
    )
    .option(
      '--registry <host>',
      'QCI pull host (env QCI_REGISTRY; default quay-proxy.ci.openshift.org)',
    )
    .addHelpText(
      'after',
      examples([
        ['qci logout --dry-run', 'see which files hold QCI credentials'],
        ['qci logout', 'remove them all (with backups)'],
        ['qci logout --helper', 'and stop using docker-credential-qci'],
      ]),
    )
    .action(wrap(logoutAction));

  addSettingOptions(
    program
      .command('whoami')
      .alias('status')
      .summary(
        'show your app.ci identity, token expiry, QCI access and what podman/docker will send to QCI',
      )
      .description(
        'Show who your app.ci context says you are, when its token expires, whether you may pull from QCI, and, for ' +
          'podman and docker, which auth entry they would send to QCI and whether it still works. ' +
          'Exit 0 when a pull would authenticate, 3 when a login is needed, 4 without QCI access.',
      ),
  )
    .addHelpText(
      'after',
      examples([
        ['qci whoami', 'the status'],
        [
          "qci whoami --json | jq -r '.appci.expiresAt'",
          'when the token expires',
        ],
      ]),
    )
    .action(wrap(whoamiAction));
}
