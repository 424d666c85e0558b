/** Runs qci in-process with captured streams, an explicit environment and no real user's files. */
import { Readable } from 'node:stream';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram, runQci } from '../../src/cli/program.js';
import { tempDir } from './temp.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** An environment that points HOME and every config/auth variable into a fresh temp dir (removed after the file). */
export function isolatedEnv(
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const home = tempDir('qci-home-'); // removed after the test file
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    DOCKER_CONFIG: join(home, '.docker'),
    REGISTRY_AUTH_FILE: undefined,
    KUBECONFIG: join(home, '.kube', 'config'),
    PATH: process.env.PATH,
    ...extra,
  };
}

export async function qci(
  args: string[],
  options: {
    env?: Record<string, string | undefined>;
    stdin?: string;
    tty?: boolean;
  } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runQci(args, {
    stdout: {
      write: (s: string) => (stdout += s),
      isTTY: options.tty === true,
    },
    stderr: {
      write: (s: string) => (stderr += s),
      isTTY: options.tty === true,
    },
    stdin: Readable.from([options.stdin ?? '']),
    env: options.env ?? isolatedEnv(),
  });
  return { code, stdout, stderr };
}

/** The program as qci builds it (only `only` in full, as at start-up), writing nowhere: for reading its commands and flags. */
export function quietProgram(only?: string): Command {
  const noop = { write: () => true };
  return buildProgram(
    { stdout: noop, stderr: noop, stdin: process.stdin, env: {} },
    { exitCode: 0 },
    only,
  );
}
