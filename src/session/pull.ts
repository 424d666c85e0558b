/**
 * qci pull: resolve references, make sure the engine will send a live credential (logging in when it
 * would not), pull with live progress, and explain a failure in one sentence with the next command.
 */
import { readAuthFiles, resolveCredential } from '../auth/index.js';
import { describeExpiry, expiresSoon, renewCommand } from '../core/token.js';
import { causeOfError, explainPullFailure } from '../core/causes.js';
import { ExitCode, QciError } from '../core/errors.js';
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
import {
  LOGIN_HINT,
  notAppCiReason,
  type AppCi,
  type TokenProof,
} from '../kube/appci.js';
import { helperAsker } from './ask-helper.js';
import {
  candidates,
  proveRemembered,
  versionForFiles,
  type AuthSetup,
} from './setup.js';
import { FACTS_TTL_MS, forgetFacts, recallFacts } from './facts-cache.js';
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

/** Will the engine send a live app.ci token to QCI? Decided from the auth files and app.ci, without pulling. */
async function preflight(
  setup: AuthSetup,
  engine: EngineName,
  version: string | undefined,
  authfile: string | undefined,
  /** Called when app.ci is about to be asked about the stored token (the pull may start meanwhile). */
  asking: () => void,
): Promise<Omit<Preflight, 'loggedIn'> & { secret?: string }> {
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
  // Proved lately and not about to expire: no need to ask app.ci (a revoked token is caught by the retry).
  const known = await recallFacts(setup, secret, setup.now());
  if (known?.qciAccess)
    return {
      state: 'ok',
      reason: `${where} holds a valid app.ci token (${known.user}, checked within ${FACTS_TTL_MS / 60_000} minutes)`,
      expiresAt: known.expiresAt,
      user: known.user,
      secret,
    };
  asking();
  let appci: AppCi;
  try {
    // The proof's connections open while the kube client loads (a pull after the facts went stale).
    appci = (await setup.connect(undefined, { preconnect: true })).withToken(
      secret,
    );
  } catch (error) {
    // No kubeconfig or no app.ci context: the stored credential may still be good; let the pull decide.
    return {
      state: 'unchecked',
      reason: `cannot check ${where} (${error instanceof Error ? error.message : String(error)})`,
      secret,
    };
  }
  // A token from an auth file goes only to app.ci's API server.
  const refusal = notAppCiReason(appci.context);
  if (refusal)
    return {
      state: 'unchecked',
      reason: `cannot check ${where}: ${refusal}`,
      secret,
    };
  // Who, until when (a token about to die gets a warning before it breaks a pull) and QCI access, at once.
  let proof: TokenProof;
  try {
    proof = await proveRemembered(setup, appci, secret);
  } catch (error) {
    if (error instanceof QciError && error.kind === 'token-expired')
      return {
        state: 'login-needed',
        reason: `${where} holds an expired or revoked app.ci token`,
      };
    return {
      state: 'unchecked',
      reason: `cannot check ${where}: ${error instanceof Error ? error.message : String(error)}`,
      secret,
    };
  }
  return {
    state: 'ok',
    reason: `${where} holds a valid app.ci token (${proof.identity.username})`,
    expiresAt: proof.expiry.expiresAt?.toISOString() ?? null,
    user: proof.identity.username,
    secret,
  };
}

const AUTH_CAUSES: FailureCause[] = [
  'credentials-missing',
  'credentials-rejected',
  'token-expired',
];

type PullRun = Awaited<ReturnType<typeof runPull>>;

/**
 * A pull started before qci knows whether its output will mean anything: what it prints is held until
 * `release(true)` passes it on (then the rest as it comes), or `release(false)` drops it.
 */
class EarlyPull {
  private run: Promise<PullRun> | undefined;
  private ref: ImageRef | undefined;
  /** While `during` runs: told of a pull started meanwhile. */
  private onStart: ((run: Promise<PullRun>) => unknown) | undefined;
  private stopper = new AbortController();
  release: (pass: boolean) => void = () => {};
  hold = this.newHold();

  /** Aborts the started pull when `stop` or `discard` is called. */
  get signal(): AbortSignal {
    return this.stopper.signal;
  }

  private newHold(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      this.release = resolve;
    });
  }

  start(ref: ImageRef, run: Promise<PullRun>): void {
    this.ref = ref;
    this.run = run;
    this.onStart?.(run);
  }

  /**
   * `work`'s result, unless the started pull is interrupted (Ctrl-C) or `cancel` is aborted first: then
   * 'interrupted', at once, not after app.ci's answer; `cancel` is then aborted and `work` awaited (a
   * login stops waiting for the proof and removes its private copy).
   */
  async during<T>(
    work: Promise<T>,
    cancel?: AbortController,
  ): Promise<T | 'interrupted'> {
    work.catch(() => {}); // met below, or moot once interrupted
    let stopped: () => void = () => {};
    const interrupted = new Promise<'interrupted'>((resolve) => {
      stopped = () => resolve('interrupted');
    });
    const watch = (run: Promise<PullRun>) =>
      run.then(
        (r) => r === 'interrupted' && stopped(),
        () => {}, // the pull's own error is for whoever takes it
      );
    this.onStart = watch;
    if (this.run) watch(this.run);
    cancel?.signal.addEventListener('abort', stopped);
    try {
      const first = await Promise.race([work, interrupted]);
      if (first === 'interrupted' && cancel) {
        cancel.abort();
        await work.catch(() => {});
      }
      return first;
    } finally {
      this.onStart = undefined;
      cancel?.signal.removeEventListener('abort', stopped);
    }
  }

  /** The started pull, if it is `ref`'s (taken once). */
  take(ref: ImageRef): Promise<PullRun> | undefined {
    if (ref !== this.ref) return undefined;
    this.ref = undefined;
    return this.run;
  }

  /** Stops the started pull (qci has failed meanwhile) and waits for it, its output dropped. */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.stopper = new AbortController();
    await this.end();
  }

  /** Drops what was not passed on and waits for the pull to end (an error is the taker's to see). */
  async end(): Promise<void> {
    this.release(false); // a no-op once released
    await this.run?.catch(() => {});
  }

  /** Stops the started pull, its output dropped, and makes ready for another. */
  async discard(): Promise<void> {
    await this.stop();
    this.run = undefined;
    this.ref = undefined;
    this.hold = this.newHold();
  }
}

export async function pullImages(
  setup: AuthSetup,
  inputs: string[],
  options: PullOptions,
): Promise<PullReport> {
  const early = new EarlyPull();
  try {
    return await pullEach(setup, inputs, options, early);
  } catch (error) {
    await early.stop(); // a login that failed while the pull ran: the pull is moot
    throw error;
  } finally {
    await early.end();
  }
}

async function pullEach(
  setup: AuthSetup,
  inputs: string[],
  options: PullOptions,
  early: EarlyPull,
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
  // Off a terminal, a pull that logs in first starts its first pull once podman's login has worked (the
  // registry took the token), reading podman's private copy, while app.ci's proof is still on its way;
  // its output is held until the proof is in and qci has said so, and dropped if the proof fails (qci
  // explains instead). On a terminal podman draws its progress there itself, which nothing can hold:
  // that pull waits for the proof.
  const first = runnable[0]?.ref;
  /** Ctrl-C while qci waited for app.ci with the first pull under way. */
  const interrupted = () => {
    for (const { input, ref, error } of refs) {
      if (ref) break;
      report.results.push(invalidOutcome(input, error!));
    }
    report.results.push(
      interruptedOutcome(runnable[0]!.input, pullSpecFor(first!, host)),
    );
    report.exitCode = ExitCode.interrupted;
    return report;
  };
  /** The first pull, started early with `authfile`'s credential: off a terminal, not in a dry run. */
  const mayStartEarly =
    first !== undefined && !options.terminal && !options.dryRun;
  const startEarly = (authfile: string | undefined) =>
    runPull(
      setup,
      engine,
      argsFor(first!, authfile),
      options,
      early.hold,
      early.signal,
    );
  const meanwhile =
    engine === 'podman' && mayStartEarly
      ? (file: string, done: () => Promise<void>) =>
          early.start(first!, startEarly(file).finally(done))
      : undefined;
  if (runnable.length > 0) {
    const version = await versionForFiles(setup, engine, options.authfile);
    // Off a terminal, a stored token whose proof went stale is proved while the pull runs with it: the
    // pull's output is held until the pre-flight is through, and dropped if the token turns out dead
    // (qci logs in and pulls again, as it did before).
    const checked = await early.during(
      preflight(setup, engine, version, options.authfile, () => {
        if (mayStartEarly) early.start(first!, startEarly(options.authfile));
      }),
    );
    if (checked === 'interrupted') return interrupted();
    const { secret, ...check } = checked;
    sent = secret;
    report.preflight = { ...check, loggedIn: null };
    if (check.state === 'login-needed' && options.login && !options.dryRun)
      await early.discard();
    if (check.state === 'login-needed') {
      if (options.dryRun) {
        options.say(`${check.reason}; qci would log in first:`);
        options.say(
          `  ${describeCommand({ command: engine, args: buildLoginArgs({ engine, host, user: 'USER', authfile: options.authfile, tlsVerify }), input: 'TOKEN' })}`,
        );
      } else if (options.login) {
        options.say(`${check.reason}; logging in`);
        // With a pull started meanwhile, Ctrl-C ends the login in order (its private copy, which holds
        // the token, removed) rather than killing qci mid-way.
        const cancel = new AbortController();
        const unsubscribe = meanwhile
          ? setup.onSignals(['SIGINT', 'SIGTERM'], () => cancel.abort())
          : () => {};
        const loggedIn = await early
          .during(
            loginToQci(setup, {
              authfile: options.authfile,
              meanwhile,
              signal: cancel.signal,
            }),
            cancel,
          )
          .finally(unsubscribe);
        if (loggedIn === 'interrupted') return interrupted();
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

  early.release(true);
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
    let result = await (early.take(ref) ??
      runPull(setup, engine, args, options));
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
    // The registry rejected the token the pre-flight trusted: it is no longer proved.
    if (cause && AUTH_CAUSES.includes(cause) && sent !== undefined) {
      await forgetFacts(setup, sent, setup.now());
      sent = undefined;
    }
    // One automatic re-login and retry when the credential went bad (revoked between pre-flight and pull).
    if (cause && AUTH_CAUSES.includes(cause) && options.login && !relogged) {
      relogged = true;
      options.say(
        `${host} rejected the credential; logging in again and retrying once`,
      );
      try {
        report.preflight.loggedIn = await loginToQci(setup, {
          authfile: options.authfile,
        });
        result = await runPull(setup, engine, args, options);
        if (result === 'interrupted') {
          report.exitCode = ExitCode.interrupted;
          return report;
        }
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
    return causeOfError(error);
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
  hold?: Promise<boolean>,
  stop?: AbortSignal,
) {
  const controller = new AbortController();
  const stopped = () => controller.abort();
  if (stop?.aborted) stopped();
  stop?.addEventListener('abort', stopped);
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
      ...(hold ? { hold } : {}),
    });
    return controller.signal.aborted ? ('interrupted' as const) : result;
  } finally {
    unsubscribe();
    stop?.removeEventListener('abort', stopped);
  }
}
