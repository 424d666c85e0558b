/**
 * The safe read-modify-write of an auth file: read (missing → `{}`), refuse a file that is not a
 * JSON object (it is left byte for byte as it was), mutate, and write atomically (atomic-write.ts)
 * with mode 0600, parent directories created 0700, a timestamped backup of the previous bytes when
 * they keep something the new file does not (backups.ts), and every key qci does not touch kept. The read-modify-write runs under a lock file
 * (see lock.ts) so concurrent qci processes serialise. The edits of entries are in edits.ts.
 *
 * Error messages name the path and the field, never a secret.
 */
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { QciError } from '../core/errors.js';
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import {
  identityOf,
  detectIndent,
  ioError,
  resolveTarget,
  writeFileAtomic,
} from './atomic-write.js';
import {
  backupKeepsSomething,
  type Scrub,
  scrubBackups,
  scrubText,
  writeBackup,
} from './backups.js';
import { isRecord, parseJsonText } from './file.js';
import { sweepLeftovers, withFileLock, type LockOptions } from './lock.js';

export type AuthJson = Record<string, unknown>;

export interface UpdateOptions {
  /** Clock for the backup name (tests pass a fixed one). */
  now?: () => Date;
  lock?: LockOptions;
  /**
   * Keep a copy of the previous contents next to the file (default true), when it keeps something the
   * new contents do not: adding an entry to a file, or removing only what `scrub` names, writes none.
   */
  backup?: boolean;
  /** How many `*.qci-backup-*` copies to keep per file, oldest removed first (default 5). */
  keepBackups?: number;
  /**
   * Secrets this write removes, which no backup may keep: entries for these hosts (any key form) or
   * holding these secrets are left out of the new backup and cut from the file's older backups.
   */
  scrub?: Scrub;
  /**
   * Write a file that was one line of JSON (an installer's pull-secret.txt) as one line again, instead of
   * indented as podman writes auth files. A new file is still written indented.
   */
  keepOneLine?: boolean;
}

export interface UpdateResult {
  /** The file written (a symlink's target when `path` was a symlink). */
  path: string;
  /** False when the mutation changed nothing: the file was not rewritten. */
  changed: boolean;
  /** The file did not exist before. */
  created: boolean;
  /** The backup written; undefined when none was (nothing the new file lost, or `backup: false`). */
  backupPath: string | undefined;
}

/** Rounds of re-reading when another program keeps rewriting the file under qci (podman login). */
const MAX_ROUNDS = 5;

/**
 * Read-modify-write of one auth file under the lock. `mutate` gets the parsed JSON (a fresh copy;
 * `{}` when the file is missing) and may change it in place or return a replacement.
 * Throws QciError, leaving the file untouched, when the file is not a JSON object.
 */
export async function updateAuthFile(
  path: string,
  mutate: (json: AuthJson) => AuthJson | void | Promise<AuthJson | void>,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  const target = await resolveTarget(path);
  const dir = dirname(target);
  try {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw ioError('create the directory of', target, error);
  }
  return withFileLock(
    target,
    async () => {
      await sweepLeftovers(target);
      for (let round = 1; ; round++) {
        const result = await updateOnce(target, mutate, options, round);
        if (result) return result;
      }
    },
    options.lock,
  );
}

/**
 * One read-mutate-write. podman and docker do not take qci's lock: if the file changed after qci
 * read it (a `podman login` at the same moment), qci throws its version away and merges again, so
 * the other program's write is lost only if it lands in the instant between the check and the rename.
 * Undefined asks for another round.
 */
async function updateOnce(
  target: string,
  mutate: (json: AuthJson) => AuthJson | void | Promise<AuthJson | void>,
  options: UpdateOptions,
  round: number,
): Promise<UpdateResult | undefined> {
  const identity = await identityOf(target);
  const original = await readForUpdate(target);
  const before = original === undefined ? {} : parseForUpdate(target, original);
  const draft = structuredClone(before);
  const returned = await mutate(draft);
  const after = returned ?? draft;
  if (!isRecord(after))
    throw new QciError(
      `internal error: the update of ${target} did not produce a JSON object`,
      { kind: 'internal' },
    );
  const unchanged = {
    path: target,
    changed: false,
    created: false,
    backupPath: undefined,
  };
  if (
    JSON.stringify(after) === JSON.stringify(before) &&
    original !== undefined
  )
    return unchanged;
  if (original === undefined && Object.keys(after).length === 0)
    return unchanged;
  const backupPath = await backUp(target, original, after, options);
  const renamed = await writeFileAtomic(
    target,
    renderLike(original, after, options.keepOneLine === true),
    0o600,
    async () => round >= MAX_ROUNDS || (await identityOf(target)) === identity,
  );
  if (!renamed) {
    if (backupPath) await fsp.unlink(backupPath).catch(() => undefined);
    return undefined;
  }
  if (options.scrub) await scrubBackups(target, options.scrub);
  return {
    path: target,
    changed: true,
    created: original === undefined,
    backupPath,
  };
}

/**
 * The backup of `original` (without what `scrub` names), when it keeps something `after` does not;
 * its path, or undefined when none was written.
 */
async function backUp(
  target: string,
  original: string | undefined,
  after: AuthJson,
  options: UpdateOptions,
): Promise<string | undefined> {
  if (original === undefined || options.backup === false) return undefined;
  const kept = options.scrub ? scrubText(original, options.scrub) : original;
  if (!backupKeepsSomething(kept, after)) return undefined;
  return writeBackup(
    target,
    kept,
    (options.now ?? (() => new Date()))(),
    options.keepBackups ?? 5,
  );
}

/** The file's text; undefined when it is missing. */
async function readForUpdate(target: string): Promise<string | undefined> {
  try {
    return await readFileSafe(target, {
      maxBytes: MAX_BYTES.authFile,
      what: 'auth file',
    });
  } catch (error) {
    if (error instanceof QciError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw ioError('read', target, error);
    return undefined;
  }
}

/** The file's JSON object (`null` reads as `{}`); a file that is not one is refused, unchanged. */
function parseForUpdate(target: string, original: string): AuthJson {
  const parsed = parseJsonText(original);
  if (!parsed.ok) {
    throw new QciError(
      `cannot update ${target}: it ${parsed.reason}; qci left it unchanged`,
      {
        kind: 'auth-file-corrupt',
        hint: `repair or move aside ${target} (podman and docker cannot read it either)`,
      },
    );
  }
  if (parsed.value !== null && !isRecord(parsed.value)) {
    throw new QciError(
      `cannot update ${target}: the top level is not a JSON object; qci left it unchanged`,
      {
        kind: 'auth-file-corrupt',
        hint: `repair or move aside ${target}`,
      },
    );
  }
  return parsed.value ?? {};
}

/** `json` as text, indented and ended as the original was (tabs and a newline for a new file). */
function renderLike(
  original: string | undefined,
  json: AuthJson,
  keepOneLine = false,
): string {
  // A file written on Windows (a pull secret saved from a browser) keeps its CRLF line ends.
  const eol = original?.includes('\r\n') ? '\r\n' : '\n';
  const newline = original === undefined || original.endsWith('\n') ? eol : '';
  if (
    keepOneLine &&
    original !== undefined &&
    !original.trimEnd().includes('\n')
  )
    return JSON.stringify(json) + newline;
  const indent = original === undefined ? '\t' : detectIndent(original);
  return JSON.stringify(json, null, indent).replaceAll('\n', eol) + newline;
}
