/**
 * The one error type qci throws. Lower layers throw it; only the entry point turns it into a message
 * and an exit code. `message` is one line and must never carry a secret; `hint` is the command or step
 * that fixes the problem. Its `kind` comes from ERROR_KINDS, and the exit code follows from the kind.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** Not logged in, or the app.ci token expired or was revoked. */
  authRequired: 3,
  /** Logged in, but not allowed (no QCI access, not the PR's author). */
  denied: 4,
  /** The image, tag or kube context does not exist. */
  notFound: 5,
  /** A server could not be reached: DNS, refused, timeout, TLS. */
  unreachable: 6,
  /** A tool qci needs (podman, docker) is not installed. */
  missingTool: 7,
  /** qci exec: COMMAND is not a program (as shells say). */
  cannotRun: 126,
  /** qci exec: COMMAND is not on PATH (as shells say). */
  commandNotFound: 127,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const failure = { exit: ExitCode.failure } as const;
const usage = { exit: ExitCode.usage } as const;
const auth = { exit: ExitCode.authRequired } as const;
const denied = { exit: ExitCode.denied } as const;
const notFound = { exit: ExitCode.notFound } as const;
const unreachable = { exit: ExitCode.unreachable } as const;

/**
 * Every error kind qci has: a stable id for --json (`{"error": {"kind"}}`, pull's `cause`) and
 * the exit code that follows from it (README "Exit codes").
 */
export const ERROR_KINDS = {
  // 1: something failed; the message says what and the hint what next.
  'answer-too-big': failure, // a server answered with more than qci reads of such an answer
  'api-error': failure, // app.ci's answer is not one qci can use
  'auth-file-corrupt': failure,
  'auth-file-error': failure, // an auth entry the engine cannot use
  'auth-file-locked': failure,
  'auth-file-write': failure,
  'bad-encoding': failure, // a job log in an encoding qci cannot read
  'bad-finished-json': failure,
  'bad-namespace-line': failure,
  'bad-kubeconfig': failure,
  'binary-log': failure,
  'callback-listen': failure, // login --web could not listen for the browser
  'cluster-unknown': failure, // the job log names no build farm qci knows
  'digest-mismatch': failure,
  'empty-log': failure,
  'engine-failed': failure, // podman or docker failed for an unclassified reason
  'engine-unavailable': failure, // docker cannot reach its daemon, or podman its machine or service
  exists: failure, // would overwrite a file
  'file-not-regular': failure,
  'file-too-big': failure,
  'helper-registered': failure, // login --helper is set up: nothing to log in
  internal: failure, // a bug in qci
  io: failure, // a file could not be read or written
  'log-too-big': failure,
  'log-unavailable': failure,
  'no-namespace-line': failure,
  'no-registry': failure, // the job's build farm has no registry users pull from
  'rate-limited': failure,
  'refused-url': failure, // not https, or not a host job logs come from
  'registry-error': failure, // the registry's answer is not one qci can use
  'release-controller-error': failure, // the release controller's answer is not one qci can use
  'no-image-references': failure, // a release payload without release-manifests/image-references
  'server-error': failure, // HTTP 5xx
  'token-expired-on-arrival': failure, // app.ci issued a token already dead
  'too-many-redirects': failure,
  unknown: failure, // a failed pull whose cause the engine did not say
  'unsafe-realm': failure, // a token realm qci will not send credentials to
  'unsupported-manifest': failure,

  // 2: what the user typed (flag, argument, setting) is wrong; nothing was done.
  usage,
  'bad-cluster': usage,
  'bad-credential': usage,
  'bad-duration': usage,
  'bad-helper': usage,
  'bad-proxy': usage,
  'bad-registry': usage,
  'bad-setting': usage,
  'bad-source': usage, // job-image SOURCE
  'bad-tag': usage,
  'callback-port-busy': usage, // --callback-port is taken
  invalid: usage, // app.ci refused the request as invalid (422)
  'invalid-name': usage,
  'invalid-reference': usage,
  'not-release-repo': usage,
  'unsupported-auth-file': usage,

  // 3: no app.ci login, or its token is dead or not the one the engine sends.
  'credentials-missing': auth,
  'credentials-rejected': auth,
  'no-context': auth, // no kube context for app.ci (or the build farm)
  'no-kubeconfig': auth,
  'no-oauth': auth,
  'no-token': auth,
  'oauth-denied': auth,
  'oauth-error': auth,
  'oauth-exchange': auth,
  'oauth-state': auth,
  'oauth-timeout': auth,
  shadowed: auth, // another credential wins over the one qci wrote
  'token-expired': auth,
  'token-rejected': auth,

  // 4: logged in, but not allowed.
  denied,
  'log-denied': denied,

  // 5: the image, tag, file, log or kube context does not exist.
  'not-found': notFound,
  'context-not-found': notFound, // the kube context --context names
  'log-not-found': notFound,
  'platform-missing': notFound, // the image has no manifest for the platform asked for
  'unknown-stream': notFound, // the release controller has no such stream
  'no-accepted-release': notFound, // the stream has no accepted release yet
  'release-gone': notFound, // neither the release controller nor QCI has the release any more

  // 6: a server could not be reached.
  unreachable,
  dns: unreachable,
  'http-registry': unreachable, // it speaks plain HTTP
  refused: unreachable,
  timeout: unreachable,
  tls: unreachable,

  // Each its own code.
  'missing-tool': { exit: ExitCode.missingTool },
  'cannot-run': { exit: ExitCode.cannotRun },
  'command-not-found': { exit: ExitCode.commandNotFound },
  interrupted: { exit: ExitCode.interrupted },
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

/** The kinds whose exit code is `Code`. */
export type KindExiting<Code extends number> = {
  [K in ErrorKind]: (typeof ERROR_KINDS)[K]['exit'] extends Code ? K : never;
}[ErrorKind];

export function exitCodeOf(kind: ErrorKind): ExitCodeValue {
  return ERROR_KINDS[kind].exit;
}

export interface QciErrorOptions {
  /** What went wrong, as a stable id; the exit code follows from it. */
  kind: ErrorKind;
  /** What to run or do next, shown under the message. */
  hint?: string | undefined;
  cause?: unknown;
}

export class QciError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;
  readonly kind: ErrorKind;

  constructor(message: string, options: QciErrorOptions) {
    super(
      message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'QciError';
    this.hint = options.hint;
    this.kind = options.kind;
    this.exitCode = exitCodeOf(options.kind);
  }
}

/** Input the user typed is wrong: exit 2, like a bad flag. */
export function usageError(
  message: string,
  options: Partial<QciErrorOptions> & {
    kind?: KindExiting<typeof ExitCode.usage>;
  } = {},
): QciError {
  return new QciError(message, { ...options, kind: options.kind ?? 'usage' });
}

/** What a caught value says: an Error's message, or anything else as a string. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
