/**
 * The auth files an engine command will read, checked with the one safe read before the engine runs.
 * podman opens and reads them plainly: a FIFO there blocks it forever, and a link to /dev/zero or
 * /dev/urandom keeps it reading without end (seen with podman 4.3.1, whose login to a private
 * --authfile still reads ~/.docker/config.json, and kept running after qci had gone). qci refuses
 * first, naming the file, and changes nothing.
 */
import { QciError } from '../core/errors.js';
import { tildify } from '../core/paths.js';
import type { EngineName } from '../engine/engine.js';
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import { candidates, type AuthSetup } from './setup.js';

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
  for (const ref of candidates(setup, engine, version, authfile)) {
    try {
      await readFileSafe(ref.path, {
        maxBytes: MAX_BYTES.authFile,
        what: 'auth file',
      });
    } catch (error) {
      if (error instanceof QciError)
        throw hostileFile(setup, engine, ref.path, error);
    }
  }
}

function hostileFile(
  setup: AuthSetup,
  engine: EngineName,
  path: string,
  cause: QciError,
): QciError {
  const shown = tildify(path, setup.home);
  return new QciError(
    `${cause.message}; ${engine} reads it and would hang or read without end, so qci did not run ${engine}`,
    {
      kind: cause.kind,
      hint: `move ${shown} aside (or replace it with a regular auth file), then run qci again`,
    },
  );
}
