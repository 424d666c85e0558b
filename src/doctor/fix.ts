/**
 * `qci doctor --fix`: the safe repairs, from what the checks found (each finding names the entry or the
 * helper it is about). Removes a file's QCI entries when every one of them is dead (each file keeps a
 * backup), erases a dead secret through the credential helper that holds it, then logs in when podman
 * would still send nothing that app.ci found valid.
 */
import {
  effectiveCredential,
  readAuthFiles,
  removeCredentials,
  type AuthFileFormat,
} from '../auth/index.js';
import { tildify } from '../core/paths.js';
import {
  DECOMMISSIONED_REGISTRY,
  QCI_REPOSITORY_PATH,
} from '../core/reference.js';
import { candidates, podmanVersion, type AuthSetup } from '../session/setup.js';
import type { Finding, Subject } from './catalogue.js';
import { messageOf } from '../core/errors.js';

type EntrySubject = Extract<Subject, { kind: 'entry' }>;
type HelperSubject = Extract<Subject, { kind: 'helper' }>;

const entryOf = (f: Finding) =>
  f.subject?.kind === 'entry' ? f.subject : undefined;

/** The files whose QCI entries are all dead (--fix applies the fix of each), in the order found. */
export function deadFiles(
  findings: readonly Finding[],
): { file: string; format: AuthFileFormat }[] {
  // The auth entries check did not finish: what is alive is not known, so nothing is removed.
  const unfinished = ['auth files.timeout', 'auth files.failed'];
  if (findings.some((f) => unfinished.includes(f.id))) return [];
  const byFile = new Map<string, { format: AuthFileFormat; dead: boolean }>();
  for (const f of findings) {
    const entry = entryOf(f);
    if (!entry) continue;
    const known = byFile.get(entry.file);
    byFile.set(entry.file, {
      format: known?.format ?? entry.format,
      dead: (known?.dead ?? true) && f.autoFix,
    });
  }
  return [...byFile]
    .filter(([, v]) => v.dead)
    .map(([file, { format }]) => ({ file, format }));
}

/** Removing a file's QCI entries is all or nothing: QCI's, and the decommissioned registry's. */
export async function removeDeadEntries(
  setup: AuthSetup,
  findings: readonly Finding[],
): Promise<string[]> {
  const t = (path: string) => tildify(path, setup.home);
  const done: string[] = [];
  for (const { file, format } of deadFiles(findings)) {
    for (const registry of [setup.settings.registry, DECOMMISSIONED_REGISTRY]) {
      const result = await removeCredentials(file, registry, { format });
      if (result.removed.length > 0)
        done.push(
          `removed ${result.removed.join(', ')} from ${t(file)}${result.backupPath ? ` (backup: ${t(result.backupPath)})` : ''}`,
        );
    }
  }
  return done;
}

/**
 * A dead QCI secret that a credential helper (credHelpers, docker's credsStore) answers with is erased
 * through the helper, as `qci logout` erases it: an expired or revoked token, or an identity token.
 */
export async function eraseDeadHelperSecrets(
  setup: AuthSetup,
  findings: readonly Finding[],
): Promise<string[]> {
  const host = setup.settings.registry;
  const helpers = new Map<string, HelperSubject>();
  for (const f of findings)
    if (
      f.autoFix &&
      f.subject?.kind === 'helper' &&
      !helpers.has(f.subject.helper)
    )
      helpers.set(f.subject.helper, f.subject);
  if (helpers.size === 0) return [];
  // --fix only: logout loads when a fix needs it, not with every doctor run.
  const { eraseThroughHelper } = await import('../session/logout.js');
  const done: string[] = [];
  for (const { helper, file, remedy } of helpers.values()) {
    const result = await eraseThroughHelper(
      setup,
      helper,
      host,
      remedy,
      file,
      false,
    );
    done.push(
      result.erased
        ? `erased the dead QCI secret docker-credential-${helper} held for ${host} (named in ${file})`
        : `could not erase the QCI secret of docker-credential-${helper}: ${result.remains?.detail ?? 'the helper refused'}; run ${result.remains?.command ?? remedy}`,
    );
  }
  return done;
}

/** podman sends, after the removals, an entry that app.ci found valid (not another user's, not unchecked). */
export async function podmanSendsValid(
  setup: AuthSetup,
  findings: readonly Finding[],
): Promise<boolean> {
  const files = await readAuthFiles(
    candidates(
      setup,
      'podman',
      await podmanVersion(setup).catch(() => undefined),
    ),
  );
  const winner = effectiveCredential(
    files,
    setup.settings.registry,
    QCI_REPOSITORY_PATH,
    { engine: 'podman' },
  ).winner;
  if (!winner?.entry) return false;
  const sent: Pick<EntrySubject, 'file' | 'key'> = {
    file: winner.file.path,
    key: winner.key,
  };
  return findings.some(
    (f) =>
      f.id === 'auth.valid' &&
      entryOf(f)?.file === sent.file &&
      entryOf(f)?.key === sent.key,
  );
}

/** Logs in as `qci login` does; the line says what happened. */
export async function logIn(setup: AuthSetup): Promise<string> {
  try {
    // --fix only: login loads when a fix needs it.
    const { loginToQci } = await import('../session/login.js');
    const login = await loginToQci(setup, {});
    return `logged ${login.engine} in to ${setup.settings.registry} as ${login.user} (credential in ${tildify(login.authFile, setup.home)})`;
  } catch (error) {
    return `could not log in: ${messageOf(error)}`;
  }
}
