/**
 * qci pull: resolve references, make sure the engine will send a credential not known to be dead
 * (logging in when it would not), pull with live progress, log in again and retry once when the
 * registry rejects it, and explain a failure in one sentence with the next command.
 */
import { expiresSoon, describeExpiry, renewCommand } from '../core/token.js';
import {
  AUTH_CAUSES,
  causeGivenSent,
  explainPullFailure,
  type Sent,
} from '../core/causes.js';
import { tildify } from '../core/paths.js';
import { ExitCode, QciError } from '../core/errors.js';
import { pullSpecFor, type ImageRef } from '../core/reference.js';
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
import { LOGIN_HINT } from '../kube/appci.js';
import type { AuthSetup } from './setup.js';
import { rememberRejection } from './facts-cache.js';
import {
  dockerHasNoAuthfile,
  loginInOrder,
  type LoginReport,
} from './login.js';
import { readAndPreflight, type Preflight } from './pull-preflight.js';
import {
  causeOnTerminal,
  dockerImageId,
  interruptedOutcome,
  invalidOutcome,
  localNameFor,
  okOutcome,
  parseInputs,
  retryLine,
  runPull,
  type Input,
  type PullOutcome,
} from './pull-steps.js';

export type { PullOutcome } from './pull-steps.js';

export interface PullOptions {
  quiet: boolean;
  login: boolean;
  dryRun: boolean;
  localName: boolean;
  authfile?: string | undefined;
  /**
   * stderr is a terminal: the engine gets it, and draws its progress bars there; a failure is then
   * classified from the registry's own answer (qci's registry client, the engine's credential), and
   * for docker from whether it reaches its daemon.
   */
  terminal?: boolean;
  /** --json: the engine's stdout (the image ID) goes to stderr; stdout is qci's JSON alone. */
  json?: boolean;
  /** Messages for the user (stderr). */
  say: (line: string) => void;
  warn: (line: string) => void;
}

export interface PullReport {
  engine: EngineName;
  registry: string;
  platform: string;
  /** What the pre-flight found, and whether qci logged in because of it. */
  preflight: Preflight;
  results: PullOutcome[];
  exitCode: number;
}

/** What one `qci pull` carries from step to step. */
interface PullRun {
  setup: AuthSetup;
  options: PullOptions;
  engine: EngineName;
  host: string;
  report: PullReport;
  /** The token the engine sends, as the pre-flight found it, until the registry rejects it. */
  sent?: string | undefined;
  /** Where it is stored (for the line said when the registry rejects it). */
  sentFrom?: string | undefined;
  /** What the engine sends, as qci knows it: a failure is explained so that it agrees. */
  sends: Sent;
  /** qci has logged in once in this command: no second automatic login. */
  relogged: boolean;
}

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
  const refs = parseInputs(inputs, host, options.localName);
  const report: PullReport = {
    engine,
    registry: host,
    platform: setup.settings.platform,
    preflight: { state: 'unchecked', reason: 'not run', loggedIn: null },
    results: [],
    exitCode: ExitCode.ok,
  };
  // Bad input changes nothing: one malformed reference among several, and none is pulled.
  if (refs.some((r) => !r.ref)) return refused(report, refs, options);
  const run: PullRun = {
    setup,
    options,
    engine,
    host,
    report,
    relogged: false,
    sends: 'unknown',
  };
  if (refs.length > 0 && (await makeReady(run)) === 'interrupted')
    return interrupted(report, refs[0]!, host);
  warnIfExpiring(run);
  run.relogged = report.preflight.loggedIn !== null;
  for (const { input, ref } of refs) {
    const outcome = options.dryRun
      ? dryRunOutcome(run, input, ref!)
      : await pullOne(run, input, ref!);
    report.results.push(outcome);
    if (outcome.cause === 'interrupted') break;
  }
  const failed = report.results.find((r) => !r.ok);
  report.exitCode = failed ? failed.exitCode : ExitCode.ok;
  return report;
}

/** The pre-flight, and the login it calls for (or, in a dry run, what that login would run). */
async function makeReady(run: PullRun): Promise<'interrupted' | undefined> {
  const { setup, options, engine, host, report } = run;
  const { secret, where, sendsNothing, ...check } = await readAndPreflight(
    setup,
    engine,
    options.authfile,
    !options.dryRun,
  );
  run.sent = secret;
  run.sentFrom = where;
  run.sends = sendsNothing ? 'nothing' : secret ? 'credential' : 'unknown';
  report.preflight = { ...check, loggedIn: null };
  if (check.state !== 'login-needed') return undefined;
  if (options.dryRun) {
    const args = buildLoginArgs({
      engine,
      host,
      user: 'USER',
      authfile: options.authfile,
      tlsVerify: setup.settings.tlsVerify,
    });
    options.say(`${check.reason}; qci would log in first:`);
    options.say(
      `  ${describeCommand({ command: engine, args, input: 'TOKEN' })}`,
    );
    return undefined;
  }
  if (!options.login) {
    options.warn(`${check.reason}; not logging in (--no-login)`);
    return undefined;
  }
  options.say(`${check.reason}; logging in`);
  const loggedIn = await loginInOrder(setup, options.authfile);
  if (loggedIn === 'interrupted') return loggedIn;
  saidLoggedIn(run, loggedIn);
  report.preflight = {
    ...report.preflight,
    loggedIn,
    expiresAt: loggedIn.expiresAt,
    user: loggedIn.user,
  };
  return undefined;
}

/** Who qci logged in as, and, as qci login does, older credentials that could shadow or outlive it. */
function saidLoggedIn(run: PullRun, loggedIn: LoginReport) {
  const { options, host, setup } = run;
  const file = tildify(loggedIn.authFile, setup.home);
  run.sends = 'credential';
  run.sentFrom = loggedIn.helper
    ? `docker-credential-${loggedIn.helper} for ${host} in ${file}`
    : `${host} in ${file}`;
  options.say(`logged in to ${host} as ${loggedIn.user}`);
  for (const warning of loggedIn.warnings) options.warn(warning);
}

/** The token the engine sends expires soon (within 48 hours), as remembered or as the login found. */
function warnIfExpiring({ setup, options, engine, host, report }: PullRun) {
  const { expiresAt, user } = report.preflight;
  if (options.dryRun || !expiresSoon(expiresAt, setup.now())) return;
  const when = describeExpiry(new Date(expiresAt!), setup.now());
  options.warn(
    `the app.ci token ${engine} sends to ${host} ${when}: get a new one before then: ${renewCommand('unknown', user)}`,
  );
}

function pullArgs(run: PullRun, ref: ImageRef): string[] {
  const { platform, tlsVerify } = run.setup.settings;
  return buildPullArgs({
    engine: run.engine,
    pullSpec: pullSpecFor(ref, run.host),
    platform,
    quiet: run.options.quiet,
    tlsVerify,
    authfile: run.options.authfile,
  });
}

/** --dry-run: what would run, and no more. */
function dryRunOutcome(run: PullRun, input: string, ref: ImageRef) {
  const { engine, options } = run;
  const pullSpec = pullSpecFor(ref, run.host);
  const localName = options.localName ? localNameFor(ref) : null;
  options.say(describeCommand({ command: engine, args: pullArgs(run, ref) }));
  if (localName)
    options.say(
      describeCommand({ command: engine, args: ['tag', pullSpec, localName] }),
    );
  return okOutcome(input, pullSpec, localName);
}

/**
 * One pull, and the one retry after a login when the registry rejects the credential (expired or
 * revoked since qci last saw it, or never proved): only then is app.ci asked.
 */
async function pullOne(
  run: PullRun,
  input: string,
  ref: ImageRef,
): Promise<PullOutcome> {
  const { setup, options, engine } = run;
  const pullSpec = pullSpecFor(ref, run.host);
  const args = pullArgs(run, ref);
  const result = await runPull(setup, engine, args, options);
  if (result === 'interrupted') return interruptedOutcome(input, pullSpec);
  let cause = await classifyPull(run, input, result);
  if (cause && AUTH_CAUSES.includes(cause)) await rejected(run);
  if (cause && AUTH_CAUSES.includes(cause) && options.login && !run.relogged) {
    const retried = await retryAfterLogin(run, input, pullSpec, args, cause);
    if (retried !== null && typeof retried === 'object') return retried;
    cause = retried;
  }
  if (cause === null) return pulled(run, input, pullSpec, ref);
  const explained = explainPullFailure(cause, {
    pullSpec,
    qciTag: ref.qciTag,
    host: run.host,
    engine,
    tlsVerify: setup.settings.tlsVerify,
    sentFrom: run.sends === 'credential' ? run.sentFrom : undefined,
    authfile: options.authfile,
  });
  if (cause === 'platform-missing') {
    const { platformsInstead } = await import('./pull-platform.js');
    const which = await platformsInstead(setup, input, options.authfile);
    if (which) Object.assign(explained, which);
  }
  return { input, pullSpec, ok: false, localName: null, cause, ...explained };
}

function classifyPull(
  run: PullRun,
  input: string,
  result: RunResult,
): FailureCause | null | Promise<FailureCause> {
  if (result.exitCode === 0) return null;
  if (run.options.terminal)
    return causeOnTerminal(
      run.setup,
      run.engine,
      input,
      run.options.authfile,
    ).then((cause) => causeGivenSent(cause, run.sends));
  return causeGivenSent(classifyEngineFailure(result.stderr), run.sends);
}

/** The registry rejected the token the engine sent: remembered, so that it is not trusted again. */
async function rejected(run: PullRun): Promise<void> {
  if (run.sent === undefined) return;
  await rememberRejection(run.setup, run.sent, 'registry', run.setup.now());
  run.sent = undefined;
}

/** Logs in and pulls again: the second attempt's cause, or the outcome when the login fails. */
async function retryAfterLogin(
  run: PullRun,
  input: string,
  pullSpec: string,
  args: string[],
  cause: FailureCause,
): Promise<FailureCause | null | PullOutcome> {
  const { setup, options, engine } = run;
  run.relogged = true;
  // The engine's own error is on the screen above: this line, not it, is the last word on it.
  options.say(retryLine(run.host, engine, run.sentFrom));
  try {
    const loggedIn = await loginInOrder(setup, options.authfile);
    if (loggedIn === 'interrupted') return interruptedOutcome(input, pullSpec);
    saidLoggedIn(run, loggedIn);
    const result = await runPull(setup, engine, args, options);
    if (result === 'interrupted') return interruptedOutcome(input, pullSpec);
    run.report.preflight.loggedIn = loggedIn;
    return await classifyPull(run, input, result);
  } catch (loginError) {
    if (!(loginError instanceof QciError)) throw loginError;
    return {
      input,
      pullSpec,
      ok: false,
      localName: null,
      cause,
      message: loginError.message,
      hint: loginError.hint ?? LOGIN_HINT,
      exitCode: loginError.exitCode,
    };
  }
}

/** A pull that worked: docker's image ID (podman prints its own), and --local-name's tag. */
async function pulled(
  run: PullRun,
  input: string,
  pullSpec: string,
  ref: ImageRef,
): Promise<PullOutcome> {
  const { setup, engine, options } = run;
  const localName = options.localName ? localNameFor(ref) : null;
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
  return {
    ...okOutcome(input, pullSpec, localName),
    ...(imageId !== undefined ? { imageId } : {}),
  };
}

/** Ctrl-C during the login before the first pull: that pull, interrupted. */
function interrupted(
  report: PullReport,
  first: Input,
  host: string,
): PullReport {
  report.results.push(
    interruptedOutcome(first.input, pullSpecFor(first.ref!, host)),
  );
  report.exitCode = ExitCode.interrupted;
  return report;
}

/** Malformed references: each explained, and nothing run (no login, no pull of the others). */
function refused(
  report: PullReport,
  refs: Input[],
  options: PullOptions,
): PullReport {
  const malformed = refs.filter((r) => !r.ref);
  if (malformed.length < refs.length)
    options.say(
      `${malformed.length} of ${refs.length} references malformed: nothing pulled`,
    );
  report.results = malformed.map((r) => invalidOutcome(r.input, r.error!));
  report.exitCode = report.results[0]!.exitCode;
  return report;
}
