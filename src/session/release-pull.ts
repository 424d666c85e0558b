/**
 * qci release --pull: the payload (or one component) pulled with the engine. What QCI holds goes
 * through qci pull itself (its pre-flight, login and retry). A payload on app.ci's registry
 * (registry.ci.openshift.org/ocp/release:<nightly>, which also takes the app.ci token) gets the same
 * pre-flight and login, aimed at that host, then the engine's pull of the spec as it is: qci pull would
 * map an app.ci reference to QCI, and nightly payloads are not in QCI. A payload anywhere else (stable
 * releases on quay.io/openshift-release-dev) is pulled with the engine's own credentials, never the
 * app.ci token. An auth file that would hang the engine (a FIFO, a device) is refused by name before
 * it runs, as qci pull refuses it.
 */
import {
  AUTH_CAUSES,
  explainPullFailure,
  causeGivenSent,
  type Cause,
} from '../core/causes.js';
import { ExitCode, QciError } from '../core/errors.js';
import { hostOf, locationOf, splitPullSpec } from '../core/release.js';
import { classifyEngineFailure } from '../engine/classify.js';
import { takesAppCiToken } from '../core/clusters.js';
import { APP_CI_REGISTRY } from '../core/reference.js';
import {
  buildPullArgs,
  findEngine,
  type EngineName,
} from '../engine/engine.js';
import { dockerHasNoAuthfile, loginInOrder } from './login.js';
import { pullImages, type PullOptions } from './pull.js';
import { readAndPreflight } from './pull-preflight.js';
import { runPull } from './pull-steps.js';
import { setupFor, type AuthSetup } from './setup.js';

export type ReleasePullOptions = Omit<PullOptions, 'dryRun' | 'localName'>;

export interface ReleasePullReport {
  pullSpec: string;
  ok: boolean;
  exitCode: number;
  /** A failure's sentence and next step (the engine's own text went to the terminal). */
  message: string | null;
  hint: string | null;
}

/**
 * Pulls a spec outside QCI. app.ci's registry gets qci pull's pre-flight and login, aimed at it; any
 * other registry gets the engine's pull with what the engine has, TLS verified (--tls-verify is QCI's).
 */
async function pullElsewhere(
  setup: AuthSetup,
  spec: string,
  options: ReleasePullOptions,
  /** The command for the stream's latest release: the next step when this one is gone. */
  latest: string,
): Promise<ReleasePullReport> {
  const host = hostOf(spec);
  // QCI is not elsewhere: of the registries that take the app.ci token, this is app.ci's (or a stand-in).
  const appCi = takesAppCiToken(host);
  const to = setupFor(setup, host);
  const at = appCi
    ? to
    : { ...to, settings: { ...to.settings, tlsVerify: true } };
  const engine = findEngine(at.settings.engine, at.env);
  if (engine === 'docker' && options.authfile)
    throw dockerHasNoAuthfile('pull');
  const check = await readAndPreflight(at, engine, options.authfile, true);
  if (appCi && check.state === 'login-needed' && options.login) {
    options.say(`${check.reason}; logging in`);
    const loggedIn = await loginInOrder(at, options.authfile);
    if (loggedIn === 'interrupted')
      throw new QciError('interrupted', { kind: 'interrupted' });
    options.say(`logged in to ${host} as ${loggedIn.user}`);
  }
  const args = buildPullArgs({
    engine,
    pullSpec: spec,
    platform: at.settings.platform,
    quiet: options.quiet,
    tlsVerify: at.settings.tlsVerify,
    authfile: options.authfile,
  });
  const result = await runPull(at, engine, args, options);
  if (result === 'interrupted')
    throw new QciError('interrupted', { kind: 'interrupted' });
  if (result.exitCode === 0)
    return { pullSpec: spec, ok: true, exitCode: 0, message: null, hint: null };
  const cause = causeGivenSent(
    classifyEngineFailure(result.stderr),
    check.sendsNothing ? 'nothing' : 'unknown',
  );
  const words = pulledElsewhereFailed(cause, spec, latest, appCi, {
    engine,
    tlsVerify: at.settings.tlsVerify,
    authfile: options.authfile,
  });
  return { pullSpec: spec, ok: false, ...words };
}

/** A failed pull outside QCI in words: pruned, or not for the app.ci token, or as qci pull says it. */
function pulledElsewhereFailed(
  cause: Cause,
  spec: string,
  latest: string,
  appCi: boolean,
  context: {
    engine: EngineName;
    tlsVerify: boolean;
    authfile?: string | undefined;
  },
) {
  const host = hostOf(spec);
  // Not promotion's words (explainPullFailure's): a payload outside QCI that is gone was pruned.
  if (cause === 'not-found')
    return {
      message: `${spec} is gone from ${host}: the release controller has pruned it`,
      hint: `take the stream's latest: ${latest}`,
      exitCode: ExitCode.notFound,
    };
  if (!appCi && (AUTH_CAUSES.includes(cause) || cause === 'denied'))
    return {
      message: `${host} refused the pull: it wants a credential of its own (qci's app.ci login is only for QCI and ${APP_CI_REGISTRY})`,
      hint: `pull with an auth file that holds ${host}: add --authfile FILE (for quay.io/openshift-release-dev, your pull secret from console.redhat.com/openshift/install/pull-secret is one)`,
      exitCode: ExitCode.authRequired,
    };
  return explainPullFailure(cause, {
    pullSpec: spec,
    qciTag: null,
    host,
    ...context,
  });
}

/** Pulls `spec` (the payload or a component), wherever it is. */
export async function pullReleaseImage(
  setup: AuthSetup,
  spec: string,
  options: ReleasePullOptions,
  /** The command for the stream's latest release: the next step when this one is gone. */
  latest: string,
): Promise<ReleasePullReport> {
  // The payload's words reach the engine's command line: only a pull spec, never an option.
  if (!splitPullSpec(spec))
    throw new QciError(
      `the release payload names an image qci cannot pull (${JSON.stringify(spec.slice(0, 120))})`,
      { kind: 'release-controller-error' },
    );
  if (locationOf(spec, setup.settings.registry) !== 'qci')
    return pullElsewhere(setup, spec, options, latest);
  const report = await pullImages(setup, [spec], {
    ...options,
    dryRun: false,
    localName: false,
  });
  const r = report.results[0];
  return {
    pullSpec: spec,
    ok: r?.ok === true,
    exitCode: report.exitCode,
    message: r?.ok ? null : (r?.message ?? 'the pull failed'),
    hint: r?.hint ?? null,
  };
}
