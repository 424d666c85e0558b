/**
 * The one place qci runs external programs: explicit environment, a timeout, secrets only on stdin,
 * and every command line shown under --verbose with secrets redacted. Output is captured and
 * classified by default; `stdio` lets the user watch an engine (pull progress) or hands the terminal
 * to the user's own command (qci exec).
 */
import { constants } from 'node:os';
import type { Options } from 'execa';
import { ExitCode, QciError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { notInstalled } from './engine.js';

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
  /**
   * Where the child's output goes:
   * - 'capture' (default): to qci, returned in the result;
   * - 'show': live to the user (pull progress), stderr captured too, to explain a failure;
   * - 'terminal': as 'show', but stderr is qci's own and not captured: on a terminal the engine sees
   *   one and draws its progress bars (podman draws them only then);
   * - 'inherit': stdin, stdout and stderr are the user's (qci exec): no timeout, no capture, the
   *   caller passes signals on through `onStart`, and a command that cannot start is reported in the
   *   result (127, 126), not thrown.
   */
  stdio?: 'capture' | 'show' | 'terminal' | 'inherit';
  /** 'show' and 'terminal': the child's stdout goes to qci's stderr (--json keeps stdout for JSON). */
  stdoutToStderr?: boolean;
  /** Aborting it stops the child (qci's Ctrl-C handling). */
  signal?: AbortSignal;
  /** Gets the started child synchronously, so that a signal arriving later can be passed on. */
  onStart?: (child: ChildHandle) => void;
}

export interface ChildHandle {
  kill(signal: NodeJS.Signals): void;
}

export interface RunResult {
  /** The exit status; 128+N after death by signal N, 127 not found, 126 not executable (as shells say). */
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  signal: NodeJS.Signals | null;
  /** 'inherit' only: why the command did not start; null when it ran. */
  startError: 'not-found' | 'not-executable' | null;
}

/** 128 + the signal's number, as shells report a death by signal (SIGINT 130, SIGKILL 137, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
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

type Stdio = 'pipe' | 'inherit' | 'ignore' | number;

/** Writes a child's stderr where the user sees it (qci's stderr). */
export type Show = (chunk: Uint8Array) => void;

function streams(request: RunRequest): [Stdio, Stdio, Stdio] {
  const stdin = request.input === undefined ? 'ignore' : 'pipe';
  const out = request.stdoutToStderr ? 2 : 'inherit';
  switch (request.stdio ?? 'capture') {
    case 'inherit':
      return ['inherit', 'inherit', 'inherit'];
    case 'terminal':
      return [stdin, out, 'inherit'];
    case 'show':
      // Captured to explain a failure, and passed on as it comes (below).
      return [stdin, out, 'pipe'];
    default:
      return [stdin, 'pipe', 'pipe'];
  }
}

/**
 * A runner over execa that reports each command to `log` (qci --verbose). `show` writes what a 'show'
 * command prints on stderr where the user sees it, as it comes (qci's own writer: synchronous, as all of
 * qci's output; without it, execa passes it on through process.stderr).
 */
export function processRunner(
  log: (line: string) => void,
  show?: Show,
): Runner {
  return async (request) => {
    log(describeCommand(request));
    const inherit = request.stdio === 'inherit';
    const [stdin, stdout, stderr] = streams(request);
    try {
      const options = {
        env: request.env,
        extendEnv: false,
        ...(inherit ? {} : { input: request.input }),
        stdin,
        stdout,
        stderr,
        reject: false,
        // No child outlives qci: on its exit, and on SIGINT, SIGTERM or SIGHUP that nothing else
        // handles (signal-exit), execa kills the child (a pull, a login) before qci goes.
        cleanup: true,
        stripFinalNewline: false,
        ...(inherit
          ? // The child decides what a passed-on SIGTERM means; qci waits rather than killing it after 5 s.
            { forceKillAfterTimeout: false as const }
          : { timeout: request.timeoutMs }),
        ...(request.signal ? { signal: request.signal } : {}),
      } as Options;
      // execa (its own bundle, ~15 ms) loads with the first command qci runs, not with the module.
      const { execa } = await import('execa');
      const child = execa(request.command, request.args, options);
      if (request.stdio === 'show') {
        const write =
          show ?? ((chunk: Uint8Array) => process.stderr.write(chunk));
        child.stderr?.on('data', (chunk: Uint8Array) => write(chunk));
      }
      request.onStart?.({ kill: (signal) => void child.kill(signal) });
      return runResult(request, await child);
    } catch (error) {
      if (error instanceof QciError) throw error;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw notInstalled(request.command);
      throw error;
    }
  };
}

/** What execa 8 resolves to with `reject: false`: the result, or the error (which carries `message`). */
type ExecaResult = import('execa').ExecaReturnValue & { message?: string };

/** What execa reported, as a RunResult: exit status, redacted output, or why it did not start. */
function runResult(request: RunRequest, result: ExecaResult): RunResult {
  const secrets = request.secrets ?? [];
  const startError = /\b(ENOENT|EACCES|ENOEXEC)\b/.exec(
    (result as { code?: string }).code ?? result.message ?? '',
  )?.[1];
  // The program could not be started at all.
  if (result.exitCode === undefined && !result.signal && startError) {
    if (request.stdio !== 'inherit' && startError === 'ENOENT')
      throw notInstalled(request.command);
    return {
      exitCode: startError === 'ENOENT' ? 127 : 126,
      stdout: '',
      stderr: '',
      timedOut: false,
      signal: null,
      startError: startError === 'ENOENT' ? 'not-found' : 'not-executable',
    };
  }
  const signal = (result.signal as NodeJS.Signals | undefined) ?? null;
  return {
    exitCode:
      result.exitCode ??
      (result.isCanceled
        ? ExitCode.interrupted
        : signal
          ? signalExitCode(signal)
          : 1),
    stdout: request.revealOutput
      ? String(result.stdout ?? '')
      : redact(String(result.stdout ?? ''), secrets),
    stderr: redact(String(result.stderr ?? ''), secrets),
    timedOut: result.timedOut,
    signal,
    startError: null,
  };
}
