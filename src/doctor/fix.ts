/**
 * `qci doctor --fix`: the safe repairs, from what the checks found (each finding names the entry or the
 * helper it is about). Removes exactly the dead entries the findings name (with a backup where it keeps something),
 * erases a dead secret through the credential helper that holds it, then logs in when podman would
 * still send nothing that app.ci found valid.
 */
import {
  authFileRef,
  readAuthFile,
  readAuthFiles,
  resolveCredential,
  updateAuthFile,
  type AuthFileFormat,
} from '../auth/index.js';
import { goFieldKey } from '../auth/file.js';
import { tildify } from '../core/paths.js';
import { QCI_REPOSITORY_PATH } from '../core/reference.js';
import { helperAsker } from '../session/ask-helper.js';
import { candidates, podmanVersion, type AuthSetup } from '../session/setup.js';
import type { Finding, Subject } from './catalogue.js';
import { messageOf } from '../core/errors.js';

type EntrySubject = Extract<Subject, { kind: 'entry' }>;
type HelperSubject = Extract<Subject, { kind: 'helper' }>;

const entryOf = (f: Finding) =>
  f.subject?.kind === 'entry' ? f.subject : undefined;

/**
 * The entries --fix removes, by file, in the order found: each one a finding marked safe names (an
 * expired or revoked token, an identity token, no usable user:password, the decommissioned registry).
 * Only those keys go: a valid per-repository key beside them, and everything else, stays.
 */
export function deadEntries(
  findings: readonly Finding[],
): { file: string; format: AuthFileFormat; keys: string[] }[] {
  const byFile = new Map<string, { format: AuthFileFormat; keys: string[] }>();
  for (const f of findings) {
    const entry = entryOf(f);
    if (!entry || !f.autoFix) continue;
    const known = byFile.get(entry.file) ?? { format: entry.format, keys: [] };
    if (!known.keys.includes(entry.key)) known.keys.push(entry.key);
    byFile.set(entry.file, known);
  }
  return [...byFile].map(([file, v]) => ({ file, ...v }));
}

/**
 * Removes exactly the dead keys from each file, under the auth-write layer's lock, atomically (0600),
 * keeping a backup from which the removed secrets are cut, as `qci logout` keeps one.
 */
export async function removeDeadEntries(
  setup: AuthSetup,
  findings: readonly Finding[],
): Promise<string[]> {
  const t = (path: string) => tildify(path, setup.home);
  const done: string[] = [];
  for (const { file, format, keys } of deadEntries(findings)) {
    const secrets = await secretsOf(file, format, keys);
    const removed: string[] = [];
    const result = await updateAuthFile(
      file,
      (json) => {
        removed.length = 0; // a file changed under qci is merged again
        const entries = entriesOf(json, format);
        for (const key of keys)
          if (entries && Object.hasOwn(entries, key)) {
            delete entries[key];
            removed.push(key);
          }
      },
      { scrub: { secrets } },
    );
    if (result.changed)
      done.push(
        `removed ${removed.join(', ')} from ${t(file)}${result.backupPath ? ` (backup: ${t(result.backupPath)})` : ''}`,
      );
  }
  return done;
}

/** The entries object of an auth file's JSON: `auths`, or the top level of the legacy ~/.dockercfg. */
function entriesOf(
  json: Record<string, unknown>,
  format: AuthFileFormat,
): Record<string, unknown> | undefined {
  if (format === 'dockercfg') return json;
  const key = goFieldKey(json, 'auths');
  const value = key === undefined ? undefined : json[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The secrets the removed entries hold: no backup may keep them. */
async function secretsOf(
  file: string,
  format: AuthFileFormat,
  keys: readonly string[],
): Promise<string[]> {
  const state = await readAuthFile(authFileRef(file, { format }));
  if (state.state !== 'ok') return [];
  return state.entries
    .filter((e) => keys.includes(e.key))
    .flatMap((e) => [e.password(), e.identityToken()])
    .filter((s): s is string => s !== undefined && s !== '');
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

/**
 * podman sends, after the removals, an entry that app.ci found valid (not another user's, not unchecked).
 * Its helpers are asked as it asks them: one emptied by --fix sends podman on to the next file.
 */
export async function podmanSendsValid(
  setup: AuthSetup,
  findings: readonly Finding[],
  authfile?: string,
): Promise<boolean> {
  const version = await podmanVersion(setup).catch(() => undefined);
  const files = await readAuthFiles(
    candidates(setup, 'podman', version, authfile),
  );
  const { winner } = await resolveCredential(
    files,
    setup.settings.registry,
    QCI_REPOSITORY_PATH,
    { engine: 'podman', ask: helperAsker(setup) },
  );
  if (!winner?.entry || winner.helper !== undefined) return false;
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

/** Logs in as `qci login` does (into `authfile`, when doctor was given one); the line says what happened. */
export async function logIn(
  setup: AuthSetup,
  authfile?: string,
): Promise<string> {
  try {
    // --fix only: login loads when a fix needs it.
    const { loginToQci } = await import('../session/login.js');
    const login = await loginToQci(setup, { authfile });
    return `logged ${login.engine} in to ${setup.settings.registry} as ${login.user} (credential in ${tildify(login.authFile, setup.home)})`;
  } catch (error) {
    return `could not log in: ${messageOf(error)}`;
  }
}
