/**
 * What `qci login`, `qci logout` and `qci whoami` do once they run, and how their results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/login.ts.
 */
import type { CommandContext } from '../context.js';
// Type-only here: the implementation (auth files, kube client, execa) loads when a command runs.
import type {
  StateSeverity,
  StatusReport,
  stateVerdict as StateVerdict,
} from '../../session/status.js';
import { LOGIN_HINT, QCI_ACCESS_HINT } from '../../core/appci.js';
import { tildify } from '../../core/paths.js';
import { takesAppCiToken } from '../../core/clusters.js';
import {
  APP_CI_REGISTRY,
  QCI_PROXY_HOST,
  QCI_REPOSITORY_HOST,
} from '../../core/reference.js';
import { warmAppCi } from '../warm.js';
import {
  leftUnchanged,
  loginHelperAction,
  logoutHelper,
} from './login-helper.js';
import { pullSecretLine } from './pull-secret.js';
import type { LoginReport } from '../../session/login.js';
import type { AuthSetup } from '../../session/setup.js';
import { ExitCode, QciError, usageError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { expiresSoon, renewCommand } from '../../core/token.js';
import { confirm, isInteractive, readSecretLine } from '../prompt.js';
import { hangFor, plain, wrapLine } from '../wrap.js';
import { settingFlags, type SettingFlags } from '../setting-flags.js';
import { checkDockerTlsVerify } from '../docker-tls.js';

// Each command loads only the modules it runs (each import initialises its module, and what that imports).
const forLogin = async () => ({
  ...(await import('../../session/login.js')),
  ...(await import('../auth-setup.js')),
});
const forWebLogin = async () => ({
  ...(await forLogin()),
  ...(await import('../../session/web-login.js')),
});
const forLogout = async () => ({
  ...(await import('../../session/logout.js')),
  ...(await import('../auth-setup.js')),
});
const forWhoami = async () => ({
  ...(await import('../../session/status.js')),
  ...(await import('../auth-setup.js')),
});

interface LoginFlags extends SettingFlags {
  authfile?: string;
  tokenFile?: string;
  helper?: boolean;
  web?: boolean;
  tokenPage?: boolean;
  server?: string;
  certificateAuthority?: string;
  callbackPort?: string;
  /** oc's `--token=…`, typed by reflex: refused (tokenInArgv), never used or shown. */
  token?: string | boolean;
  /** podman login's `-u`, `-p` and `--password-stdin`, typed by habit: refused (podmanFlags). */
  username?: string | boolean;
  password?: string | boolean;
  passwordStdin?: boolean;
}

/** Why qci login takes no --token, and what to run instead. */
function tokenInArgv(): QciError {
  return usageError(
    "qci login takes no token on its command line: any user of this machine can read a command's " +
      'arguments (ps, /proc/PID/cmdline) and your shell keeps them in its history; qci reads the token ' +
      'from your kube context or a file, and hands it to podman on stdin',
    {
      hint:
        'qci login (your app.ci context; qci login --web signs in first), or for another token: ' +
        'qci login --token-file FILE (a file only you can read, e.g. from qci sa token --output FILE)',
    },
  );
}

/**
 * `qci login HOST` takes a host, as podman login does: a bare word is a slip (`qci login web` for
 * --web), not a name for DNS search domains to complete and hand the app.ci token to.
 */
function registryArgument(registry: string): void {
  const flag = ['web', 'helper', 'token-page', 'token-file', 'authfile'].find(
    (f) => f === registry.replace(/^-+/, ''),
  );
  if (flag)
    throw usageError(
      `qci login takes a registry host as its argument, not "${registry}"`,
      { hint: `did you mean qci login --${flag}?` },
    );
  if (registry.includes('://'))
    throw usageError(
      `the registry is a host, without ${registry.split('://')[0]}://: qci login ${registry.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '')}`,
    );
  // host[:port] and nothing else: user:password@host would print the password in the hints below.
  if (!/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::\d{1,5})?$/.test(registry))
    throw usageError(
      'the registry is a host, or host:port, and nothing else (no user or password in front of it)',
      { hint: 'qci login (QCI), or qci login HOST' },
    );
  if (!/[.:]/.test(registry) && registry.toLowerCase() !== 'localhost')
    throw usageError(
      `"${registry}" is not a registry host (one with a dot or a port, such as quay-proxy.ci.openshift.org)`,
      { hint: 'qci login (QCI), or qci login HOST' },
    );
}

/**
 * The app.ci token goes to the registries that take it, and to the QCI a setting names (QCI_REGISTRY,
 * the config file: a mirror, a test's): `qci login quay.io` (or --registry quay.io) would hand it to quay.io.
 */
async function refuseForeignHost(
  ctx: CommandContext,
  host: string,
): Promise<void> {
  if (takesAppCiToken(host)) return;
  const { settings } = await ctx.settings({});
  if (settings.registry.toLowerCase() === host.toLowerCase()) return;
  const quay = host.toLowerCase() === QCI_REPOSITORY_HOST;
  throw usageError(
    `${host} does not take the app.ci token: qci logs in to QCI (${QCI_PROXY_HOST}) and app.ci's registry (${APP_CI_REGISTRY}) only`,
    {
      hint: quay
        ? `QCI is quay.io/openshift/ci, pulled through ${QCI_PROXY_HOST}: qci login`
        : `qci login (QCI); for ${host}'s own credential: podman login ${host}`,
    },
  );
}

/** Which of the browser logins was asked for, as typed. */
const webFlag = (options: LoginFlags) =>
  options.tokenPage ? '--token-page' : '--web';

/** podman login's credential flags: qci takes the credential from app.ci, never from its caller. */
function podmanFlags(options: LoginFlags): QciError {
  const password = options.password !== undefined;
  return usageError(
    `qci login takes no username or password: it logs the engine in with your app.ci token itself (as \`podman login -u=$(oc whoami) -p=$(oc whoami -t)\` would, but on stdin)` +
      (password
        ? '; a password on the command line is readable by any user of this machine (ps) and stays in your shell history'
        : ''),
    {
      hint: 'qci login (your app.ci context), or qci login --web to sign in to app.ci first',
    },
  );
}

export async function loginAction(
  ctx: CommandContext,
  registry: string | undefined,
  options: LoginFlags,
): Promise<number> {
  if (options.token !== undefined) throw tokenInArgv();
  if (
    options.username !== undefined ||
    options.password !== undefined ||
    options.passwordStdin
  )
    throw podmanFlags(options);
  if (registry !== undefined) {
    registryArgument(registry);
    if (
      options.registry !== undefined &&
      options.registry.toLowerCase() !== registry.toLowerCase()
    )
      throw usageError(
        `two registries given: ${registry} and --registry ${options.registry}`,
        { hint: `qci login ${options.registry}` },
      );
    options = { ...options, registry };
  }
  // HOST or --registry HOST: a host named on the command line gets the token only if it takes it.
  if (options.registry !== undefined)
    await refuseForeignHost(ctx, options.registry);
  if (options.helper && (options.web || options.tokenPage))
    throw usageError(`${webFlag(options)} and --helper do not go together`, {
      hint: `qci login ${webFlag(options)} first, then qci login --helper`,
    });
  if (options.helper) return loginHelperAction(ctx, options);
  if (options.web || options.tokenPage) return webLoginAction(ctx, options);
  for (const [flag, value] of [
    ['--server', options.server],
    ['--certificate-authority', options.certificateAuthority],
    ['--callback-port', options.callbackPort],
  ] as const)
    if (value !== undefined)
      throw usageError(`${flag} goes with --web`, {
        hint: `qci login --web ${flag} …`,
      });
  // The kube context's token is proved at once: app.ci's connections open before the rest loads.
  if (options.tokenFile === undefined) await warmAppCi(ctx, options);
  const resolved = await ctx.settings(settingFlags(options));
  checkDockerTlsVerify(resolved, ctx.io.env, (line) => ctx.ui.verbose(line));
  const { authSetup, loginToQci } = await forLogin();
  const setup = authSetup(ctx, resolved);
  let report: LoginReport;
  // Ctrl-C ends the login in order: podman's login stopped, its private copy (which holds the token)
  // removed, nothing written unless app.ci had already answered.
  const cancel = new AbortController();
  const unsubscribe = setup.onSignals(['SIGINT', 'SIGTERM'], () =>
    cancel.abort(),
  );
  try {
    report = await loginToQci(setup, {
      authfile: options.authfile,
      tokenFile: options.tokenFile,
      signal: cancel.signal,
    });
  } catch (error) {
    unsubscribe(); // Ctrl-C at the question below, or in the browser login, ends qci as usual
    const code = await offerWebLogin(ctx, error, options);
    if (code === undefined) throw error;
    return code;
  } finally {
    unsubscribe();
  }
  if (ctx.json) ctx.ui.json(report);
  renderLogin(ctx, setup, report, options.tokenFile);
  return ExitCode.ok;
}

/**
 * No app.ci login at all (no kubeconfig, no app.ci context): on a terminal, offer the browser login
 * instead of sending the user to oc. Its exit code when it ran; undefined when not offered or declined.
 */
export async function offerWebLogin(
  ctx: CommandContext,
  error: unknown,
  options: LoginFlags,
): Promise<number | undefined> {
  const none =
    error instanceof QciError &&
    (error.kind === 'no-kubeconfig' || error.kind === 'no-context');
  if (
    !none ||
    options.tokenFile !== undefined ||
    ctx.json ||
    !isInteractive(ctx.io)
  )
    return undefined;
  const question = `${error.message}.\nLog in to app.ci in your browser now (qci login --web)?`;
  if (!(await confirm(ctx.io, question))) return undefined;
  return webLoginAction(ctx, options);
}

function renderLogin(
  ctx: CommandContext,
  setup: AuthSetup,
  report: LoginReport,
  tokenFile?: string,
): void {
  const t = (p: string) => tildify(p, setup.home);
  ctx.ui.info(
    `${ctx.ui.err.green('✓')} Logged in to ${report.registry} as ${report.user} (${report.engine})`,
  );
  ctx.ui.info(
    report.helper
      ? `  credential in docker-credential-${report.helper} (named by ${t(report.authFile)})`
      : `  credential in ${t(report.authFile)}`,
  );
  if (tokenFile !== undefined)
    ctx.ui.info(
      `  token from ${t(tokenFile)}${report.expiry ? `; ${report.expiry}` : ''}`,
    );
  else
    ctx.ui.info(
      `  app.ci context "${report.context}" (${report.contextFoundBy})${report.expiry ? `; token ${report.expiry}` : ''}`,
    );
  if (expiresSoon(report.expiresAt, new Date()))
    ctx.ui.warn(
      `the token ${report.expiry}: get a new one before then: ${renewCommand('unknown', report.user, tokenFile)}`,
    );
  for (const warning of report.warnings) ctx.ui.warn(warning);
}

const WEB_TIMEOUT_S = 300;

/** qci login --web: a token from the browser into the kubeconfig, then the engine's login as always. */
export async function webLoginAction(
  ctx: CommandContext,
  options: LoginFlags,
): Promise<number> {
  if (options.tokenFile !== undefined)
    throw usageError(`${webFlag(options)} and --token-file do not go together`);
  if (options.tokenPage && options.callbackPort !== undefined)
    throw usageError(
      '--token-page and --callback-port do not go together: the token page does not come back to 127.0.0.1',
    );
  let callbackPort: number | undefined;
  if (options.callbackPort !== undefined) {
    callbackPort = Number(options.callbackPort);
    if (
      !/^\d+$/.test(options.callbackPort) ||
      callbackPort < 1 ||
      callbackPort > 65535
    )
      throw usageError(
        `--callback-port "${options.callbackPort}" is not a port (1-65535)`,
      );
  }
  const timeoutText = ctx.io.env.QCI_WEB_LOGIN_TIMEOUT;
  const timeoutS =
    timeoutText === undefined ? WEB_TIMEOUT_S : parseDuration(timeoutText);
  if (timeoutS === undefined || timeoutS <= 0)
    throw usageError(
      `QCI_WEB_LOGIN_TIMEOUT="${timeoutText}" is not a duration (such as 5m or 90s)`,
    );
  const { authSetup, loginToQci, webLogin } = await forWebLogin();
  const resolved = await ctx.settings(settingFlags(options));
  checkDockerTlsVerify(resolved, ctx.io.env, (line) => ctx.ui.verbose(line));
  const setup = authSetup(ctx, resolved);
  const web = await webLogin(setup, {
    server: options.server,
    tokenPage: options.tokenPage,
    certificateAuthority: options.certificateAuthority,
    callbackPort,
    timeoutMs: timeoutS * 1000,
    showUrl(url, flow, opened) {
      if (flow === 'token-page')
        ctx.ui.info(
          options.tokenPage
            ? 'Log in on the token page in any browser, then paste the API token here.'
            : 'The cluster has no openshift-cli-client OAuth client (OpenShift before 4.14): log in on the token page, then paste the API token here.',
        );
      ctx.ui.info(
        `${opened ? 'Opened your browser at' : 'Open this URL in your browser'}:\n  ${url}`,
      );
      if (flow === 'oauth')
        ctx.ui.info(
          `Waiting for the browser to come back to qci on 127.0.0.1 (up to ${Math.round(timeoutS / 60) || 1} min)…`,
        );
    },
    readToken: () => readSecretLine(ctx.io, 'API token (not shown): '),
  });
  const t = (p: string) => tildify(p, setup.home);
  ctx.ui.info(
    `${ctx.ui.err.green('✓')} Logged in to app.ci (${web.server}) as ${web.user}`,
  );
  ctx.ui.info(
    `  kubeconfig ${t(web.kubeconfig)}${web.created ? ' (created)' : ''}: context "${web.context}"${web.retargeted.length > 0 ? `; context "${web.retargeted.join('", "')}" now uses this token too` : ''}`,
  );
  // The engine logs in with the context just written, whatever --context or QCI_CONTEXT says.
  const written = { name: web.context, source: 'qci login --web' };
  const report = await loginToQci(
    {
      ...setup,
      context: written,
      connect: (requested = written, options) =>
        setup.connect(requested, options),
    },
    { authfile: options.authfile },
  );
  if (ctx.json) ctx.ui.json({ appci: web, ...report });
  renderLogin(ctx, setup, report);
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
  const { authSetup, logoutFromQci } = await forLogout();
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
    if (file.error) ctx.ui.error(leftUnchanged(file.path, file.error, t));
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
    } else if (file.erased) {
      any = true;
      ctx.ui.info(
        `${report.dryRun ? 'would erase' : 'erased'} the ${report.registry} secret of docker-credential-${file.helper} (named in ${t(file.path)})`,
      );
    }
    if (file.remains) {
      ctx.ui.error(
        `${file.remains.detail}; remove it with: ${file.remains.command}`,
      );
    }
  }
  if (!any && !report.files.some((f) => f.error))
    ctx.ui.info(
      `no ${report.registry} credentials in any auth file podman or docker reads`,
    );
  return helper?.exitCode || report.exitCode;
}

/** whoami's labels (`app.ci`, `podman`, …) are padded to this many columns. */
const LABEL_WIDTH = 9;

/** Prints a whoami line; a continuation goes under the text after the mark (✓, ✗, !, i, -), or under the text. */
function statusLine(ctx: CommandContext) {
  const width = ctx.ui.width;
  return (label: string, text: string) => {
    // Escaped: one character past ASCII makes Node read the whole bundle as a two-byte string.
    const marked = /^[\u2713\u2717!i-] /.test(plain(text));
    const hang = hangFor(LABEL_WIDTH + (marked ? 2 : 0), width, 2);
    const line = `${label.padEnd(LABEL_WIDTH)}${text}`;
    for (const l of wrapLine(line, width, hang)) ctx.ui.print(l);
  };
}

function renderStatus(
  ctx: CommandContext,
  report: StatusReport,
  stateVerdict: typeof StateVerdict,
): void {
  const c = ctx.ui.out;
  const mark = (ok: boolean) => (ok ? c.green('✓') : c.red('✗'));
  const line = statusLine(ctx);
  if (report.appci) {
    const a = report.appci;
    line(
      'app.ci',
      `${mark(true)} ${a.user} (context "${a.context}", ${a.contextFoundBy}; ${a.server})`,
    );
    const soon = expiresSoon(a.expiresAt, new Date());
    line(
      'token',
      a.expiry === null
        ? `${a.token} (${a.tokenKind}), expiry unknown`
        : soon
          ? `${c.yellow('!')} ${a.token} (${a.tokenKind}) ${a.expiry}; renew: ${renewCommand(a.tokenKind, a.user)}`
          : `${mark(!a.expiry.startsWith('expired'))} ${a.token} (${a.tokenKind}) ${a.expiry}`,
    );
    if (a.expiry?.startsWith('expired')) line('', `fix: ${LOGIN_HINT}`);
    line(
      'QCI',
      a.qciAccess
        ? `${mark(true)} access allowed`
        : `${mark(false)} no access (get imagestreams/layers in ocp is denied)`,
    );
    if (!a.qciAccess) line('', `fix: ${QCI_ACCESS_HINT}`);
  } else if (report.appciError) {
    line('app.ci', `${mark(false)} ${report.appciError.message}`);
    if (report.appciError.hint) line('', `fix: ${report.appciError.hint}`);
  }
  const marks: Record<StateSeverity, string> = {
    ok: c.green('✓'),
    info: c.blue('i'),
    warn: c.yellow('!'),
    error: c.red('✗'),
  };
  const noLogin = ['no-kubeconfig', 'no-context'].includes(
    report.appciError?.kind ?? '',
  );
  for (const view of report.engines) {
    const verdict = stateVerdict(view.state, view.engine, {
      noAppCiLogin: noLogin,
      missing: view.missing,
    });
    const head = view.installed
      ? `${view.version ? `${view.version}; ` : ''}`
      : 'not installed; its config is still read by podman; ';
    // An engine that is not installed sends nothing: a fact, not a problem. What podman does with
    // docker's file still shows under podman; what a missing podman would do is moot.
    const neutral =
      !view.installed &&
      (view.engine === 'podman' || ['none', 'error'].includes(view.state));
    line(
      view.engine,
      neutral
        ? `${c.dim('-')} not installed`
        : `${marks[verdict.severity]} ${head}${view.detail.replace(/^\S+ /, '')}`,
    );
    if (!neutral && verdict.fix) line('', `fix: ${verdict.fix}`);
    for (const s of view.shadowed) line('', `hidden behind it: ${s}`);
    // Without podman, what `podman logout` would leave is moot.
    if (view.installed)
      for (const s of view.unreachableByPodmanLogout)
        line('', `\`podman logout\` would leave: ${s}`);
    for (const s of view.placeholders) line('', s);
  }
  if (report.pullSecret) {
    const { text, fix } = pullSecretLine(report.pullSecret, ctx.ui);
    line('secret', text);
    if (fix) line('', `fix: ${fix}`);
  }
}

export async function whoamiAction(
  ctx: CommandContext,
  options: SettingFlags & { authfile?: string },
): Promise<number> {
  await warmAppCi(ctx, options); // app.ci's connections open before the rest loads
  const resolved = await ctx.settings(settingFlags(options));
  const { authSetup, qciStatus, stateVerdict } = await forWhoami();
  const setup = authSetup(ctx, resolved);
  const report = await qciStatus(setup, { authfile: options.authfile });
  if (ctx.json) ctx.ui.json(report);
  else renderStatus(ctx, report, stateVerdict);
  return report.exitCode;
}
