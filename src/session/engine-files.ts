/**
 * The auth files an engine command will read, checked with the one safe read before the engine runs.
 * podman opens and reads them plainly: a FIFO there blocks it forever, and a link to /dev/zero or
 * /dev/urandom keeps it reading without end (seen with podman 4.3.1, whose login to a private
 * --authfile still reads ~/.docker/config.json, and kept running after qci had gone). qci refuses
 * first, naming the file, and changes nothing.
 */
import { readAuthFiles, type AuthFileState } from '../auth/index.js';
import { QciError, type ErrorKind } from '../core/errors.js';
import { tildify } from '../core/paths.js';
import type { EngineName } from '../engine/engine.js';
import { candidates, type AuthSetup } from './setup.js';

/** What the one safe read (io/read.ts) refuses a file for: what would hang the engine or feed it without end. */
const HOSTILE: ReadonlySet<string> = new Set([
  'file-not-regular',
  'file-too-big',
]);

/**
 * Throws, naming the first file `engine` would read that is not a regular file of a sane size. The
 * files are the user's own (`candidates`): the engine reads the same ones when qci logs it in to a
 * private copy (podman < 4.4 reads them after --authfile) and when it pulls. A missing or unreadable
 * file is the engine's to report: it cannot hang it.
 */
export async function refuseHostileEngineFiles(
  setup: AuthSetup,
  engine: EngineName,
  version: string | undefined,
  authfile?: string,
): Promise<void> {
  refuseHostileStates(
    setup,
    engine,
    await readAuthFiles(candidates(setup, engine, version, authfile)),
  );
}

/** The same, for auth files already read (a pull reads them once for this and for its pre-flight). */
export function refuseHostileStates(
  setup: AuthSetup,
  engine: EngineName,
  files: readonly AuthFileState[],
): void {
  for (const file of files)
    if (file.state === 'unreadable' && HOSTILE.has(file.code ?? ''))
      throw hostileFile(setup, engine, file.path, file.reason, file.code!);
}

function hostileFile(
  setup: AuthSetup,
  engine: EngineName,
  path: string,
  reason: string,
  kind: string,
): QciError {
  const shown = tildify(path, setup.home);
  return new QciError(
    `${reason}; ${engine} reads it and would hang or read without end, so qci did not run ${engine}`,
    {
      kind: kind as ErrorKind,
      // /dev/zero and its kind are named by a flag or variable, never to be moved aside.
      hint: /^\/(?:dev|proc|sys)\//.test(path)
        ? `${shown} is no auth file: point --authfile, REGISTRY_AUTH_FILE or DOCKER_CONFIG at a regular file`
        : `move ${shown} aside (or replace it with a regular auth file), then run qci again`,
    },
  );
}
