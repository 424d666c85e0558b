import {
  keyBelongsToHost,
  readAuthFile,
  removeCredentials,
  scrubBackups,
  type AuthFileState,
} from '../auth/index.js';
import { ExitCode } from '../core/errors.js';

import { allAuthFiles, podmanVersion, type AuthSetup } from './setup.js';

export interface LogoutFile {
  path: string;
  why: string;
  state: AuthFileState['state'];
  removed: string[];
  backup: string | null;
  /** A credHelpers entry for QCI: its secret lives in the helper, not in this file. */
  helper: string | null;
  error: string | null;
}

export interface LogoutReport {
  registry: string;
  dryRun: boolean;
  files: LogoutFile[];
  exitCode: number;
}

/** Removes QCI credentials from every file podman or docker reads (the seed's `podman logout` pitfall). */
export async function logoutFromQci(
  setup: AuthSetup,
  options: { dryRun: boolean; authfile?: string | undefined },
): Promise<LogoutReport> {
  const host = setup.settings.registry;
  const version = await podmanVersion(setup);
  const files: LogoutFile[] = [];
  for (const ref of allAuthFiles(setup, version, options.authfile)) {
    // Older backups qci made of this file may still hold a QCI secret: cut it from them too.
    if (!options.dryRun)
      await scrubBackups(ref.path, { hosts: [host] }).catch(() => undefined);
    const state = await readAuthFile(ref);
    const base = {
      path: ref.path,
      why: ref.why,
      state: state.state,
      removed: [] as string[],
      backup: null,
      helper: null,
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
    const helper =
      Object.entries(state.credHelpers).find(([h]) =>
        keyBelongsToHost(h, host),
      )?.[1] ?? null;
    if (keys.length === 0) {
      if (helper) files.push({ ...base, helper });
      continue;
    }
    if (options.dryRun) {
      files.push({ ...base, removed: keys, helper });
      continue;
    }
    try {
      const result = await removeCredentials(ref.path, host, {
        format: ref.format,
      });
      files.push({
        ...base,
        removed: result.removed,
        backup: result.backupPath ?? null,
        helper,
      });
    } catch (error) {
      files.push({
        ...base,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return {
    registry: host,
    dryRun: options.dryRun,
    files,
    exitCode: files.some((f) => f.error) ? ExitCode.failure : ExitCode.ok,
  };
}
