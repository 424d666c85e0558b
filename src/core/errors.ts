/**
 * The one error type qci throws. Lower layers throw it; only the entry point turns it into a message
 * and an exit code. `message` is one line and must never carry a secret; `hint` is the command or step
 * that fixes the problem.
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
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface QciErrorOptions {
  /** What to run or do next, shown under the message. */
  hint?: string;
  exitCode?: number;
  /** A stable machine-readable id (`invalid-reference`, `bad-setting`, …) for --json output. */
  kind?: string;
  cause?: unknown;
}

export class QciError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly kind: string;

  constructor(message: string, options: QciErrorOptions = {}) {
    super(
      message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'QciError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.kind = options.kind ?? 'error';
  }
}

/** Input the user typed is wrong: exit 2, like a bad flag. */
export function usageError(
  message: string,
  options: Omit<QciErrorOptions, 'exitCode'> = {},
): QciError {
  return new QciError(message, {
    kind: 'usage',
    ...options,
    exitCode: ExitCode.usage,
  });
}
