import {
  keyBelongsToHost,
  readAuthFile,
  removeCredentials,
  scrubBackups,
  type AuthFileState,
} from '../auth/index.js';
import { HELPER_NAME } from '../auth/credential-helper.js';
import { ExitCode, messageOf } from '../core/errors.js';
import { tildify } from '../core/paths.js';
import { askCredentialHelper, HELPER_TIMEOUT_MS } from './ask-helper.js';

import { allAuthFiles, versionForFiles, type AuthSetup } from './setup.js';
import { forgetAllRegistryTokens } from './registry-tokens.js';

export interface LogoutFile {
  path: string;
  why: string;
  state: AuthFileState['state'];
  removed: string[];
  backup: string | null;
  /** A credHelpers (or docker's credsStore) helper for QCI: its secret lives in the helper, not in this file. */
  helper: string | null;
  /** `docker-credential-HELPER erase` ran (or, with --dry-run, would run) and the helper has nothing now. */
  erased: boolean;
  /** A QCI secret the helper still answers with, and the exact command that removes it. */
  remains: { detail: string; command: string } | null;
  error: string | null;
}

export interface LogoutReport {
  registry: string;
  dryRun: boolean;
  files: LogoutFile[];
  exitCode: number;
}

/**
 * Erases the QCI secret a helper holds, then asks it again: a helper may refuse (a read-only keychain),
 * and then the exact command that removes it is returned instead.
 */
export async function eraseThroughHelper(
  setup: AuthSetup,
  helper: string,
  host: string,
  remedy: string,
  named: string,
  dryRun: boolean,
): Promise<Pick<LogoutFile, 'erased' | 'remains' | 'error'>> {
  const before = await askCredentialHelper(
    helper,
    host,
    setup.env,
    setup.runner,
  );
  if (before.state === 'not-found')
    return { erased: false, remains: null, error: null };

  if (before.state === 'failed')
    return {
      erased: false,
      remains: {
        detail: `${before.reason}; qci cannot tell whether it still holds a QCI secret (named in ${named})`,
        command: remedy,
      },
      error: null,
    };
  if (dryRun) return { erased: true, remains: null, error: null };
  await setup.runner({
    command: `docker-credential-${helper}`,
    args: ['erase'],
    env: setup.env,
    input: host,
    timeoutMs: HELPER_TIMEOUT_MS,
  });
  const after = await askCredentialHelper(
    helper,
    host,
    setup.env,
    setup.runner,
  );
  return after.state === 'not-found'
    ? { erased: true, remains: null, error: null }
    : {
        erased: false,
        remains: {
          detail: `docker-credential-${helper} (named in ${named}) still answers for ${host} after erase`,
          command: remedy,
        },
        error: null,
      };
}

/**
 * Removes QCI credentials from every file podman or docker reads (the seed's `podman logout` pitfall),
 * and erases the QCI secret of every credential helper those files send QCI to (credHelpers; docker's
 * credsStore). docker-credential-qci stores nothing: `qci logout --helper` unregisters it.
 */
export async function logoutFromQci(
  setup: AuthSetup,
  options: { dryRun: boolean; authfile?: string | undefined },
): Promise<LogoutReport> {
  const host = setup.settings.registry;
  const version = await versionForFiles(setup, 'podman', options.authfile);
  const files: LogoutFile[] = [];
  const t = (p: string) => tildify(p, setup.home);
  for (const ref of allAuthFiles(setup, version, options.authfile)) {
    // Older backups qci made of this file may still hold a QCI secret: cut it from them too.
    if (!options.dryRun)
      await scrubBackups(ref.path, { hosts: [host] }).catch(() => undefined);
    const state = await readAuthFile(ref);
    const base: LogoutFile = {
      path: ref.path,
      why: ref.why,
      state: state.state,
      removed: [],
      backup: null,
      helper: null,
      erased: false,
      remains: null,
      error: null,
    };
    if (state.state === 'absent') continue;
    if (state.state !== 'ok') {
      files.push({ ...base, error: state.reason });
      continue;
    }
    const keys = state.entries
      .filter((e) => keyBelongsToHost(e.key, host))
      .map((e) => e.key);
    const helperEntry = Object.entries(state.credHelpers).find(([h]) =>
      keyBelongsToHost(h, host),
    );
    // docker asks credsStore when no credHelpers entry names the host; podman never does.
    const helper =
      helperEntry?.[1] ??
      (ref.format === 'docker-config' ? state.credsStore : undefined) ??
      null;
    let file: LogoutFile = { ...base, helper };
    if (helper !== null && helper !== HELPER_NAME) {
      // Seen with podman 4.3.1: for credHelpers in a podman file only this erases the secret.
      const remedy =
        helperEntry && ref.format !== 'docker-config'
          ? `podman logout --authfile ${t(ref.path)} ${host}`
          : `docker logout ${host}`;
      file = {
        ...file,
        ...(await eraseThroughHelper(
          setup,
          helper,
          helperEntry?.[0] ?? host,
          remedy,
          t(ref.path),
          options.dryRun,
        )),
      };
    }
    if (keys.length === 0) {
      if (helper) files.push(file);
      continue;
    }
    if (options.dryRun) {
      files.push({ ...file, removed: keys });
      continue;
    }
    try {
      const result = await removeCredentials(ref.path, host, {
        format: ref.format,
      });
      files.push({
        ...file,
        removed: result.removed,
        backup: result.backupPath ?? null,
      });
    } catch (error) {
      files.push({
        ...file,
        error: messageOf(error),
      });
    }
  }
  // The registries' own short-lived tokens qci kept for its manifest requests go too (all: a cache).
  if (!options.dryRun) await forgetAllRegistryTokens(setup);
  return {
    registry: host,
    dryRun: options.dryRun,
    files,
    exitCode: files.some((f) => f.error || f.remains)
      ? ExitCode.failure
      : ExitCode.ok,
  };
}
