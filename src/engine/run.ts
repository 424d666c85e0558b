/**
 * The one place qci runs external programs: explicit environment, a timeout, secrets only on stdin,
 * and every command line shown under --verbose with secrets redacted.
 */
import { execa } from 'execa';
import { ExitCode, QciError } from '../core/errors.js';
import { redact } from '../core/redact.js';

export interface RunRequest {
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  /** Written to the child's stdin (a password goes here, never into args). */
  input?: string;
  timeoutMs?: number;
  /** Strings to mask wherever they would be shown. */
  secrets?: string[];
  /**
   * The child's stdout is the secret the caller asked for (a credential helper's answer): hand it back
   * unredacted. It is never logged either way; only the command line is, under --verbose.
   */
  revealOutput?: boolean;
  /** Show the child's output live (pull progress) instead of capturing it. */
  passthrough?: boolean;
  /**
   * With passthrough: the child's stdout goes to qci's stderr. `docker pull` prints its progress on
   * stdout (podman on stderr), and qci's stdout carries data only.
   */
  stdoutToStderr?: boolean;
  /** Aborting it stops the child (qci's Ctrl-C handling). */
  signal?: AbortSignal;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export type Runner = (request: RunRequest) => Promise<RunResult>;

export function describeCommand(
  request: Pick<RunRequest, 'command' | 'args' | 'secrets' | 'input'>,
): string {
  const quoted = [request.command, ...request.args].map((a) =>
    /^[\w@%+=:,./~-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`,
  );
  return redact(
    `${quoted.join(' ')}${request.input !== undefined ? ' <stdin' : ''}`,
    request.secrets ?? [],
  );
}

/** A runner over execa that reports each command to `log` (qci --verbose). */
export function processRunner(log: (line: string) => void): Runner {
  return async (request) => {
    log(describeCommand(request));
    const secrets = request.secrets ?? [];
    try {
      const result = await execa(request.command, request.args, {
        env: request.env,
        extendEnv: false,
        input: request.input,
        stdin: request.input === undefined ? 'ignore' : 'pipe',
        // Passthrough: the user sees the engine's progress live, and qci still reads stderr to explain a failure.
        stdout: request.passthrough
          ? request.stdoutToStderr
            ? 2
            : 'inherit'
          : 'pipe',
        stderr: request.passthrough ? ['pipe', 'inherit'] : 'pipe',
        timeout: request.timeoutMs,
        reject: false,
        stripFinalNewline: false,
        ...(request.signal ? { cancelSignal: request.signal } : {}),
      });
      // The program could not be started at all.
      if (
        result.failed &&
        result.exitCode === undefined &&
        /ENOENT/.test(result.message ?? '')
      )
        throw missingTool(request.command);
      return {
        exitCode:
          result.exitCode ?? (result.isCanceled ? ExitCode.interrupted : 1),
        stdout: request.revealOutput
          ? String(result.stdout ?? '')
          : redact(String(result.stdout ?? ''), secrets),
        stderr: redact(String(result.stderr ?? ''), secrets),
        timedOut: result.timedOut,
      };
    } catch (error) {
      if (error instanceof QciError) throw error;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw missingTool(request.command);
      throw error;
    }
  };
}

export function missingTool(command: string): QciError {
  return new QciError(`${command} is not installed (not found on PATH)`, {
    kind: 'missing-tool',
    exitCode: ExitCode.missingTool,
    hint:
      command === 'podman' || command === 'docker'
        ? `install podman (apt-get install podman / dnf install podman), or choose the other engine with --engine`
        : `install ${command}`,
  });
}
