/**
 * Running the user's own command (qci exec): qci's stdin, stdout and stderr are the child's, there is no
 * timeout, and the caller forwards signals through the handle it gets. The other mode of the one runner
 * (run.ts), which captures and classifies the output of the engine commands qci itself composes.
 */
import { constants } from 'node:os';
import { execa } from 'execa';
import { describeCommand } from './run.js';

export interface InheritRequest {
  command: string;
  args: string[];
  /** The child's complete environment. */
  env: Record<string, string | undefined>;
  /** Strings to mask in the --verbose line. */
  secrets?: string[];
}

export interface ChildHandle {
  kill(signal: NodeJS.Signals): void;
}

export interface InheritResult {
  /** The shell's convention: the exit status, 128+N for death by signal N, 127 not found, 126 not executable. */
  exitCode: number;
  signal: NodeJS.Signals | null;
  /** Why it did not start (not found, not executable); null when it ran. */
  startError: 'not-found' | 'not-executable' | null;
}

/** 128 + the signal's number, as shells report a death by signal (SIGINT 130, SIGKILL 137, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Starts `command` with inherited stdio and waits for it. `onStart` gets the handle synchronously after
 * the spawn, so a signal that arrives later can always be forwarded.
 */
export async function runInheritingStdio(
  request: InheritRequest,
  log: (line: string) => void,
  onStart: (child: ChildHandle) => void,
): Promise<InheritResult> {
  log(
    describeCommand({
      command: request.command,
      args: request.args,
      secrets: request.secrets ?? [],
    }),
  );
  const child = execa(request.command, request.args, {
    env: request.env,
    extendEnv: false,
    stdio: 'inherit',
    reject: false,
    // The child decides what a forwarded SIGTERM means; qci waits for it rather than killing it after 5 s.
    forceKillAfterDelay: false,
  });
  onStart({
    kill: (signal) => {
      child.kill(signal);
    },
  });
  const result = await child;
  if (typeof result.exitCode === 'number')
    return { exitCode: result.exitCode, signal: null, startError: null };
  if (result.signal)
    return {
      exitCode: signalExitCode(result.signal),
      signal: result.signal,
      startError: null,
    };
  const code =
    (result as { code?: string }).code ??
    /\b(ENOENT|EACCES|ENOEXEC)\b/.exec(result.message ?? '')?.[1];
  if (code === 'ENOENT')
    return { exitCode: 127, signal: null, startError: 'not-found' };
  return { exitCode: 126, signal: null, startError: 'not-executable' };
}
