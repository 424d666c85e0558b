/**
 * qci pull: resolve references, make sure the engine will send a live credential (logging in when it
 * would not), pull with live progress, and explain a failure in one sentence with the next command.
 */
import { readAuthFiles, resolveCredential } from '../auth/index.js';
import { describeExpiry, expiresSoon, renewCommand } from '../core/token.js';
import { ExitCode, exitCodeOf, QciError } from '../core/errors.js';
import {
  QCI_REPOSITORY_PATH,
  formatImageStreamTag,
  parseReference,
  pullSpecFor,
  type ImageRef,
} from '../core/reference.js';
import {
  classifyEngineFailure,
  engineErrorLine,
  type FailureCause,
} from '../engine/classify.js';
import {
  buildLoginArgs,
  buildPullArgs,
  findEngine,
  type EngineName,
} from '../engine/engine.js';
import { describeCommand, type RunResult } from '../engine/run.js';
import { inspectQci } from './inspect.js';
import { LOGIN_HINT, QCI_ACCESS_HINT } from '../kube/appci.js';
import { helperAsker } from './ask-helper.js';
import { candidates, versionForFiles, type AuthSetup } from './setup.js';
import {
  recallToken,
  rememberRejection,
  type TokenStanding,
} from './facts-cache.js';
import { dockerHasNoAuthfile, loginToQci, type LoginReport } from './login.js';
import { tildify } from '../core/paths.js';

export interface PullOptions {
  quiet: boolean;
  login: boolean;
  dryRun: boolean;
  localName: boolean;
  authfile?: string | undefined;
  /**
   * stderr is a terminal: the engine gets it, and draws its progress bars there; a failure is then
   * classified from the registry's own answer (qci's registry client, the engine's credential).
   */
  terminal?: boolean;
  /** --json: the engine's stdout (the image ID) goes to stderr; stdout is qci's JSON alone. */
  json?: boolean;
  /** Messages for the user (stderr). */
  say: (line: string) => void;
  warn: (line: string) => void;
}

export interface PullOutcome {
  input: string;
  pullSpec: string | null;
  ok: boolean;
  localName: string | null;
  /**
   * docker only: the pulled image's ID, which qci prints on stdout as podman does itself (docker's own
   * stdout, its progress, goes to stderr). null for podman, whose stdout passes through.
   */
  imageId?: string | null;
  cause: FailureCause | 'invalid-reference' | 'interrupted' | null;
  message: string | null;
  hint: string | null;
  exitCode: number;
}

export interface PullReport {
  engine: EngineName;
  registry: string;
  platform: string;
  /** What the pre-flight found, and whether qci logged in because of it. */
  preflight: {
    state: 'ok' | 'login-needed' | 'unchecked';
    reason: string;
    loggedIn: LoginReport | null;
    /** When the token the engine sends expires (ISO), where app.ci or the JWT says. */
    expiresAt?: string | null;
    /** Whose token it is (app.ci's answer). */
    user?: string | null;
  };
  results: PullOutcome[];
  exitCode: number;
}

type Preflight = PullReport['preflight'];

/**
 * Will the engine send a credential not known to be dead? Decided from the auth files and what qci
 * remembers of the token (facts-cache.ts), asking no one.
 */
async function preflight(
  setup: AuthSetup,
  engine: EngineName,
  version: string | undefined,
  authfile: string | undefined,
): Promise<Omit<Preflight, 'loggedIn'> & { secret?: string; where?: string }> {
  const host = setup.settings.registry;
  const files = await readAuthFiles(
    candidates(setup, engine, version, authfile),
  );
  // Helpers are asked as the engine will ask them; their answer is checked like a stored token.
  const effective = await resolveCredential(files, host, QCI_REPOSITORY_PATH, {
    engine,
    ask: helperAsker(setup),
  });
  const winner = effective.winner;
  const where = winner
    ? `${winner.helper ? `docker-credential-${winner.helper} for ` : ''}${winner.key} in ${tildify(winner.file.path, setup.home)}`
    : '';
  const sends = effective.sends;
  // A failing helper is not something a login repairs: let the pull show the engine's own error.
  if (effective.error?.helper !== undefined)
    return { state: 'unchecked', reason: effective.error.reason };
  if (effective.outcome === 'error')
    return {
      state: 'login-needed',
      reason: effective.error?.reason ?? 'unusable auth entry',
    };
  if (sends.kind === 'ambiguous')
    return {
      state: 'login-needed',
      reason: `${engine} picks one of several URL-form keys for ${host} at random`,
    };
  if (sends.kind === 'identity-token')
    return {
      state: 'login-needed',
      reason: `${where} sends an identity token, which ${host} does not accept`,
    };
  if (sends.kind === 'unasked')
    return {
      state: 'unchecked',
      reason: `a credential helper answers for ${host}`,
    };
  const secret = sends.kind === 'basic' ? sends.secret?.() : undefined;
  if (!secret)
    return {
      state: 'login-needed',
      reason: winner
        ? `${where} sends no credential`
        : `${engine} has no credential for ${host}`,
    };
  // The registry checks the credential on every pull: app.ci is asked only when it refuses (a login).
  const known = await recallToken(setup, secret, setup.now());
  return { ...standingOf(known, where, setup.now()), secret, where };
}

/** The pre-flight's verdict on a token from what qci remembers of it, without asking app.ci. */
function standingOf(
  known: TokenStanding,
  where: string,
  now: Date,
): Omit<Preflight, 'loggedIn'> {
  switch (known.known) {
    case 'live':
      return {
        state: 'ok',
        reason: `${where} holds a valid app.ci token (${known.facts.user}, as proved before)`,
        expiresAt: known.facts.expiresAt,
        user: known.facts.user,
      };
    case 'expired':
      return {
        state: 'login-needed',
        reason: `${where} holds an app.ci token that ${describeExpiry(new Date(known.facts.expiresAt!), now)}`,
      };
    case 'rejected':
      return {
        state: 'login-needed',
        reason: `${where} holds an expired or revoked app.ci token (${known.rejection.by} rejected it)`,
      };
    default:
      return {
        state: 'unchecked',
        reason: `${where} holds a token qci has not proved; the registry checks it`,
      };
  }
}

/** One plain sentence and the exact next command for each way a pull fails (REFERENCE §6). */
export function explainPullFailure(
  cause: FailureCause,
  ref: {
    pullSpec: string;
    qciTag: string | null;
    host: string;
    engine: EngineName;
    tlsVerify: boolean;
  },
): { message: string; hint: string; exitCode: number } {
  return { ...explain(cause, ref), exitCode: exitCodeOf(cause) };
}

function explain(
  cause: FailureCause,
  ref: Parameters<typeof explainPullFailure>[1],
): { message: string; hint: string } {
  switch (cause) {
    case 'credentials-missing':
      return {
        message: `${ref.host} wants credentials and ${ref.engine} sent none it accepts`,
        hint: 'qci login',
      };
    case 'credentials-rejected':
    case 'token-expired':
      return {
        message: `${ref.host} rejected the credential ${ref.engine} sent: its app.ci token has expired or was revoked`,
        hint: 'qci doctor (to see which file holds it), then qci login',
      };
    case 'denied':
      return {
        message:
          'you are logged in, but not allowed to pull this image from QCI',
        hint: QCI_ACCESS_HINT,
      };
    case 'not-found':
      return {
        message: `not found: QCI has no tag ${ref.qciTag ?? ref.pullSpec} (tried ${ref.pullSpec}); the image may not have been promoted yet, or the name or tag is misspelled`,
        hint: 'check the promotion of the ci-operator config that builds it (qci promoted CONFIG)',
      };
    case 'rate-limited':
      return {
        message: `${ref.host} is rate limiting pulls`,
        hint: 'wait a minute and run the same qci pull again',
      };
    case 'server-error':
      return {
        message: `${ref.host} answered with a server error`,
        hint: 'try again shortly; if it persists, ask in #forum-ocp-testplatform',
      };
    case 'dns':
      return {
        message: `unreachable: ${ref.host} is not found in DNS`,
        hint: 'check your network and VPN',
      };
    case 'refused':
    case 'timeout':
      return {
        message: `unreachable: ${ref.host} ${cause === 'refused' ? 'refused the connection' : 'did not answer in time'}`,
        hint: 'check your network and VPN, then try again',
      };
    case 'http-registry':
      return {
        message: `unreachable over HTTPS: ${ref.host} speaks plain HTTP`,
        hint: ref.tlsVerify
          ? 'for a local test registry: --tls-verify=false'
          : 'check QCI_REGISTRY',
      };
    case 'tls':
      return {
        message: `${ref.host}'s TLS certificate is not trusted`,
        hint: 'check the system CA bundle (or a TLS-inspecting proxy)',
      };
    default:
      return {
        message: `${ref.engine} pull failed`,
        hint: 'rerun with --verbose, or paste the error into qci doctor --explain',
      };
  }
}

const AUTH_CAUSES: FailureCause[] = [
  'credentials-missing',
  'credentials-rejected',
  'token-expired',
];

export async function pullImages(
  setup: AuthSetup,
  inputs: string[],
  options: PullOptions,
): Promise<PullReport> {
  const engine = findEngine(setup.settings.engine, setup.env);
  // Before anything runs: docker would pull with another file's credential than the one named.
  if (engine === 'docker' && options.authfile)
    throw dockerHasNoAuthfile('pull');
  const host = setup.settings.registry;
  const { platform, tlsVerify } = setup.settings;
  const refs: {
    input: string;
    ref: ImageRef | null;
    error: QciError | null;
  }[] = inputs.map((input) => {
    try {
      const ref = parseReference(input, { pullHost: host });
      if (options.localName) localNameFor(ref); // fails before anything is pulled
      return { input, ref, error: null };
    } catch (error) {
      if (!(error instanceof QciError)) throw error;
      return { input, ref: null, error };
    }
  });
  const report: PullReport = {
    engine,
    registry: host,
    platform,
    preflight: { state: 'unchecked', reason: 'not run', loggedIn: null },
    results: [],
    exitCode: ExitCode.ok,
  };

  let sent: string | undefined; // the token the engine sends, as the pre-flight found it
  let sentFrom: string | undefined; // where it is stored
  const runnable = refs.filter((r) => r.ref);
  const argsFor = (ref: ImageRef, authfile: string | undefined) =>
    buildPullArgs({
      engine,
      pullSpec: pullSpecFor(ref, host),
      platform,
      quiet: options.quiet,
      tlsVerify,
      authfile,
    });
  if (runnable.length > 0) {
    const version = await versionForFiles(setup, engine, options.authfile);
    const { secret, where, ...check } = await preflight(
      setup,
      engine,
      version,
      options.authfile,
    );
    sent = secret;
    sentFrom = where;
    report.preflight = { ...check, loggedIn: null };
    if (check.state === 'login-needed') {
      if (options.dryRun) {
        options.say(`${check.reason}; qci would log in first:`);
        options.say(
          `  ${describeCommand({ command: engine, args: buildLoginArgs({ engine, host, user: 'USER', authfile: options.authfile, tlsVerify }), input: 'TOKEN' })}`,
        );
      } else if (options.login) {
        options.say(`${check.reason}; logging in`);
        const loggedIn = await loginInOrder(setup, options.authfile);
        if (loggedIn === 'interrupted') return interrupted(report, refs, host);
        report.preflight.loggedIn = loggedIn;
        options.say(
          `logged in to ${host} as ${report.preflight.loggedIn.user}`,
        );
        // As qci login does: older credentials elsewhere that could shadow or outlive the new one.
        for (const warning of report.preflight.loggedIn.warnings)
          options.warn(warning);
        report.preflight.expiresAt = report.preflight.loggedIn.expiresAt;
        report.preflight.user = report.preflight.loggedIn.user;
      } else {
        options.warn(`${check.reason}; not logging in (--no-login)`);
      }
    }
  }

  const { expiresAt } = report.preflight;
  if (!options.dryRun && expiresSoon(expiresAt, setup.now()))
    options.warn(
      `the app.ci token ${engine} sends to ${host} ${describeExpiry(new Date(expiresAt!), setup.now())}: get a new one before then: ${renewCommand('unknown', report.preflight.user)}`,
    );

  let relogged = report.preflight.loggedIn !== null;
  for (const { input, ref, error } of refs) {
    if (!ref) {
      report.results.push(invalidOutcome(input, error!));
      continue;
    }
    const pullSpec = pullSpecFor(ref, host);
    const args = argsFor(ref, options.authfile);
    const localName = options.localName ? localNameFor(ref) : null;
    if (options.dryRun) {
      options.say(describeCommand({ command: engine, args }));
      if (localName)
        options.say(
          describeCommand({
            command: engine,
            args: ['tag', pullSpec, localName],
          }),
        );
      report.results.push({
        input,
        pullSpec,
        ok: true,
        localName,
        cause: null,
        message: null,
        hint: null,
        exitCode: ExitCode.ok,
      });
      continue;
    }
    let result = await runPull(setup, engine, args, options);
    if (result === 'interrupted') {
      report.results.push(interruptedOutcome(input, pullSpec));
      report.exitCode = ExitCode.interrupted;
      return report;
    }
    const classify = (r: RunResult) =>
      r.exitCode === 0
        ? null
        : options.terminal
          ? causeFromRegistry(setup, input, options.authfile)
          : classifyEngineFailure(r.stderr);
    let cause = await classify(result);
    // The registry rejected the token the engine sent: remembered, so that it is not trusted again.
    if (cause && AUTH_CAUSES.includes(cause) && sent !== undefined) {
      await rememberRejection(setup, sent, 'registry', setup.now());
      sent = undefined;
    }
    // One automatic re-login and retry when the credential is dead (expired or revoked since qci last
    // saw it, or never proved): only now is app.ci asked.
    if (cause && AUTH_CAUSES.includes(cause) && options.login && !relogged) {
      relogged = true;
      // The engine's own error is on the screen above: this line, not it, is the last word on it.
      options.say(retryLine(host, engine, sentFrom));
      try {
        const loggedIn = await loginInOrder(setup, options.authfile);
        result =
          loggedIn === 'interrupted'
            ? loggedIn
            : await runPull(setup, engine, args, options);
        if (result === 'interrupted') {
          report.results.push(interruptedOutcome(input, pullSpec));
          report.exitCode = ExitCode.interrupted;
          return report;
        }
        report.preflight.loggedIn = loggedIn as LoginReport;
        cause = await classify(result);
      } catch (loginError) {
        if (!(loginError instanceof QciError)) throw loginError;
        report.results.push({
          input,
          pullSpec,
          ok: false,
          localName: null,
          cause,
          message: loginError.message,
          hint: loginError.hint ?? LOGIN_HINT,
          exitCode: loginError.exitCode,
        });
        continue;
      }
    }
    if (cause === null) {
      const imageId =
        engine === 'docker' ? await dockerImageId(setup, pullSpec) : undefined;
      if (localName) {
        const tag = await setup.runner({
          command: engine,
          args: ['tag', pullSpec, localName],
          env: setup.env,
          timeoutMs: 30_000,
        });
        if (tag.exitCode !== 0)
          options.warn(
            `pulled, but could not tag it as ${localName}: ${engineErrorLine(tag.stderr)}`,
          );
      }
      report.results.push({
        input,
        pullSpec,
        ok: true,
        localName,
        ...(imageId !== undefined ? { imageId } : {}),
        cause: null,
        message: null,
        hint: null,
        exitCode: ExitCode.ok,
      });
      continue;
    }
    const explained = explainPullFailure(cause, {
      pullSpec,
      qciTag: ref.qciTag,
      host,
      engine,
      tlsVerify,
    });
    report.results.push({
      input,
      pullSpec,
      ok: false,
      localName: null,
      cause,
      ...explained,
    });
  }
  const failed = report.results.find((r) => !r.ok);
  report.exitCode = failed ? failed.exitCode : ExitCode.ok;
  return report;
}

/**
 * What qci says after the registry refused the first attempt, whose error the engine has just printed
 * (on a terminal, to the screen, where it would otherwise be the last word): what happened, and that qci
 * retries.
 */
export function retryLine(
  host: string,
  engine: EngineName,
  where: string | undefined,
): string {
  const what = where
    ? `the credential ${engine} sent (${where})`
    : `the credential ${engine} sent`;
  return `the error above: ${host} rejected ${what}, an expired or revoked app.ci token; logging in again and retrying once`;
}

/**
 * The pull's login, Ctrl-C ending it in order (podman's login stopped, its private copy, which holds
 * the token, removed, nothing written): 'interrupted' then.
 */
async function loginInOrder(
  setup: AuthSetup,
  authfile: string | undefined,
): Promise<LoginReport | 'interrupted'> {
  const cancel = new AbortController();
  const unsubscribe = setup.onSignals(['SIGINT', 'SIGTERM'], () =>
    cancel.abort(),
  );
  try {
    return await loginToQci(setup, { authfile, signal: cancel.signal });
  } catch (error) {
    if (cancel.signal.aborted) return 'interrupted';
    throw error;
  } finally {
    unsubscribe();
  }
}

/** Ctrl-C during the login before the first pull: the malformed references before it, and it. */
function interrupted(
  report: PullReport,
  refs: { input: string; ref: ImageRef | null; error: QciError | null }[],
  host: string,
): PullReport {
  for (const { input, ref, error } of refs) {
    if (!ref) {
      report.results.push(invalidOutcome(input, error!));
      continue;
    }
    report.results.push(interruptedOutcome(input, pullSpecFor(ref, host)));
    break;
  }
  report.exitCode = ExitCode.interrupted;
  return report;
}

/**
 * Why a pull failed, from the registry's own answer rather than the engine's text (which went to the
 * terminal): the manifest, asked for with the credential the engine sends. An answer that works means
 * the failure was the engine's own (storage, platform): 'unknown', and its message is on the screen.
 */
async function causeFromRegistry(
  setup: AuthSetup,
  input: string,
  authfile: string | undefined,
): Promise<FailureCause> {
  try {
    // Only a look: never a login (inspect's own login-when-needed) while explaining a failure.
    await inspectQci(setup, input, {
      authfile,
      timeoutMs: 15_000,
      login: false,
    });
    return 'unknown';
  } catch (error) {
    if (!(error instanceof QciError)) return 'unknown';
    return registryCause(error);
  }
}

/** The registry client's error kinds as the causes the engine's text would give (REFERENCE §6). */
export function registryCause(error: QciError): FailureCause {
  switch (error.kind) {
    case 'credentials-missing':
    case 'credentials-rejected':
    case 'denied':
    case 'not-found':
    case 'rate-limited':
    case 'server-error':
      return error.kind;
    case 'unreachable': {
      const m = error.message;
      if (/host not found/.test(m)) return 'dns';
      if (/connection refused/.test(m)) return 'refused';
      if (/timed out|did not answer/.test(m)) return 'timeout';
      if (/EPROTO|wrong version/i.test(m)) return 'http-registry';
      if (/TLS|CERT|certificate/i.test(m)) return 'tls';
      return 'refused';
    }
    default:
      return 'unknown';
  }
}

function invalidOutcome(input: string, error: QciError): PullOutcome {
  return {
    input,
    pullSpec: null,
    ok: false,
    localName: null,
    cause: 'invalid-reference',
    message: error.message,
    hint: error.hint ?? null,
    exitCode: error.exitCode,
  };
}

function interruptedOutcome(input: string, pullSpec: string): PullOutcome {
  return {
    input,
    pullSpec,
    ok: false,
    localName: null,
    cause: 'interrupted',
    message: 'interrupted',
    hint: null,
    exitCode: ExitCode.interrupted,
  };
}

/** NS/NAME:TAG for `--local-name`; an ambiguous or digest reference has none. */
function localNameFor(ref: ImageRef): string {
  if (!ref.imageStreamTag) {
    throw new QciError(
      `--local-name: ${ref.input} has no single image stream tag to name it by`,
      { kind: 'usage' },
    );
  }
  return formatImageStreamTag(ref.imageStreamTag);
}

/** `docker image inspect`'s ID without its "sha256:", as podman pull prints it; null if docker cannot say. */
async function dockerImageId(
  setup: AuthSetup,
  pullSpec: string,
): Promise<string | null> {
  const result = await setup.runner({
    command: 'docker',
    args: ['image', 'inspect', '--format', '{{.Id}}', pullSpec],
    env: setup.env,
    timeoutMs: 30_000,
  });
  const id = /^sha256:([0-9a-f]{64})$/.exec(result.stdout.trim())?.[1];
  return result.exitCode === 0 && id ? id : null;
}

/** Runs the pull with live progress; Ctrl-C stops the engine and reports 'interrupted'. */
async function runPull(
  setup: AuthSetup,
  engine: EngineName,
  args: string[],
  options: PullOptions,
) {
  const controller = new AbortController();
  const unsubscribe = setup.onSignals(['SIGINT', 'SIGTERM'], () =>
    controller.abort(),
  );
  try {
    const result = await setup.runner({
      command: engine,
      args,
      env: setup.env,
      stdio: options.terminal ? 'terminal' : 'show',
      // docker prints its progress on stdout; --json keeps stdout for the JSON document.
      stdoutToStderr: options.json === true || engine === 'docker',
      signal: controller.signal,
      timeoutMs: 60 * 60_000,
    });
    return controller.signal.aborted ? ('interrupted' as const) : result;
  } finally {
    unsubscribe();
  }
}
