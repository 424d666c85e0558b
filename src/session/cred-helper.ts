/**
 * `qci login --helper` and `qci logout --helper`: register docker-credential-qci under `credHelpers` for the
 * QCI host, so podman, skopeo and docker ask it on every pull and it answers with the CURRENT app.ci token
 * (containers-auth.json(5): containers/image looks at `credHelpers[host]` before `auths` in each file;
 * docker/cli `cli/config/configfile/file.go` too).
 * No secret then sits in any auth file, and a rotated token is used by the next pull.
 */
import { HELPER_BINARY, HELPER_NAME } from '../auth/credential-helper.js';
import {
  effectiveCredential,
  keyBelongsToHost,
  readAuthFile,
  readAuthFiles,
  type AuthFileState,
  removeCredHelper,
  removeCredentials,
  setCredHelper,
  type AuthFileRef,
} from '../auth/index.js';
import { QciError, messageOf } from '../core/errors.js';
import { QCI_REPOSITORY_PATH } from '../core/reference.js';
import type { EngineName } from '../engine/engine.js';
import { onPath } from '../engine/engine.js';
import { currentAppCiToken } from '../kube/current-token.js';
import { tildify } from '../core/paths.js';
import {
  allAuthFiles,
  appCiFacts,
  candidates,
  deniedError,
  versionForFiles,
  type AuthSetup,
} from './setup.js';
import { tokenFileFacts } from './token-file.js';

/** One auth file `qci login --helper` changed. */
export interface HelperLoginFile {
  path: string;
  /** The engines that now find the helper here (podman's primary file, docker's config.json); [] for other files. */
  registeredFor: EngineName[];
  /** It was registered here before. */
  alreadyRegistered: boolean;
  /** Another helper this replaced for the QCI host. */
  replaced: string | null;
  /** Stored QCI credentials removed (keys as written). */
  removed: string[];
  /** A copy of the file as it was before qci changed it. */
  backup: string | null;
}

export interface HelperLoginReport {
  registry: string;
  helper: string;
  /** Where docker-credential-qci is on PATH. */
  helperPath: string;
  user: string;
  /** Where the helper takes the token from: `kube context "app.ci" (named app.ci)` or `QCI_TOKEN_FILE …`. */
  tokenSource: string;
  expiresAt: string | null;
  expiry: string | null;
  files: HelperLoginFile[];
  warnings: string[];
}

/** Where a user gets docker-credential-qci on PATH: npm's global install, or this checkout's bin directory. */
function missingHelperError(binDir: string | undefined): QciError {
  return new QciError(
    `${HELPER_BINARY} is not on PATH, so podman and docker could not run it; nothing was changed`,
    {
      kind: 'missing-tool',
      hint: `in the qci checkout run \`npm install -g .\`${binDir ? `, or put its bin directory on PATH: export PATH="${binDir}:$PATH"` : ''}; then run qci login --helper again`,
    },
  );
}

/**
 * Checks what the helper will answer with, registers it in podman's primary auth file and docker's
 * config.json, then removes every stored QCI secret from the files podman and docker read (each with a
 * backup): with the helper no secret needs to sit in a file, and one left behind would win over the helper
 * wherever the helper's registration is missing (podman's primary file is on tmpfs; after a reboot podman
 * reads ~/.config/containers/auth.json before ~/.docker/config.json).
 */
export async function registerCredHelper(
  setup: AuthSetup,
  options: { binDir?: string | undefined },
): Promise<HelperLoginReport> {
  const host = setup.settings.registry;
  const helperPath = onPath(HELPER_BINARY, setup.env);
  if (!helperPath) throw missingHelperError(options.binDir);
  const [source, version] = await Promise.all([
    helperTokenSource(setup),
    versionForFiles(setup, 'podman'),
  ]);
  if (!source.facts.qciAccess) throw deniedError(source.facts.user);
  const current = await tokenTheHelperReads(setup, source.token);
  const warnings = [...source.warnings];
  const states = await readAuthFiles(allAuthFiles(setup, version));
  const targets = registrationTargets(setup, version);
  warnings.push(...refuseUnreadableTargets(states, targets, setup.home));
  // Register first, then remove stored secrets: never a moment with neither. One backup per file: the first change's.
  const changed = await registerIn(targets, states, host);
  await removeStoredSecrets(states, host, changed);
  warnings.push(...(await helperNotUsed(setup, version, host)));
  return {
    registry: host,
    helper: HELPER_BINARY,
    helperPath,
    user: source.facts.user,
    tokenSource: current.source,
    expiresAt: source.facts.expiresAt,
    expiry: source.facts.expiry,
    files: changed,
    warnings,
  };
}

/** What the helper will answer with, checked as qci login checks a token: live, and allowed to pull. */
function helperTokenSource(setup: AuthSetup) {
  const tokenFile = setup.env.QCI_TOKEN_FILE;
  if (!tokenFile)
    return appCiFacts(setup).then((r) => ({
      ...r,
      warnings: [] as string[],
    }));
  return tokenFileFacts(tokenFile, setup.now()).catch((error: unknown) => {
    // The same checks as `qci login --token-file`, named after the variable the helper reads.
    if (!(error instanceof QciError)) throw error;
    throw new QciError(
      error.message.replace('--token-file', 'QCI_TOKEN_FILE'),
      { kind: error.kind, hint: error.hint },
    );
  });
}

/** The helper reads the files itself: make sure it finds the token just checked (same context, same file). */
async function tokenTheHelperReads(setup: AuthSetup, checked: string) {
  const current = await currentAppCiToken(setup.env, setup.context);
  if (current.token !== checked) {
    throw new QciError(
      `${HELPER_BINARY} would answer with another token (from ${current.source}) than the one qci checked`,
      { kind: 'internal' },
    );
  }
  return current;
}

type Targets = Map<string, { ref: AuthFileRef; engines: EngineName[] }>;

/** The files to register the helper in: podman's primary file and docker's config.json (maybe one file). */
function registrationTargets(
  setup: AuthSetup,
  version: string | undefined,
): Targets {
  const podmanPrimary = candidates(setup, 'podman', version).find(
    (f) => f.writtenByLogin,
  );
  const dockerConfig = candidates(setup, 'docker', version)[0];
  const targets: Targets = new Map();
  for (const [engine, ref] of [
    ['podman', podmanPrimary],
    ['docker', dockerConfig],
  ] as const) {
    if (!ref) continue;
    const target = targets.get(ref.path) ?? { ref, engines: [] };
    target.engines.push(engine);
    targets.set(ref.path, target);
  }
  return targets;
}

/**
 * Nothing is changed when a file to write is not JSON (podman and docker cannot read it either);
 * another file that is not is a warning.
 */
function refuseUnreadableTargets(
  states: readonly AuthFileState[],
  targets: Targets,
  home: string,
): string[] {
  const warnings: string[] = [];
  for (const state of states) {
    if (state.state !== 'corrupt' && state.state !== 'unreadable') continue;
    if (targets.has(state.path)) {
      throw new QciError(`${state.reason}; qci left it unchanged`, {
        kind: 'auth-file-corrupt',
        hint: `fix or move ${state.path}, then run qci login --helper again`,
      });
    }
    warnings.push(
      `${tildify(state.path, home)} is not readable JSON (${state.reason}); podman fails on it before asking the helper`,
    );
  }
  return warnings;
}

/** `credHelpers[host] = "qci"` in each target. */
async function registerIn(
  targets: Targets,
  states: readonly AuthFileState[],
  host: string,
): Promise<HelperLoginFile[]> {
  const changed: HelperLoginFile[] = [];
  for (const { ref, engines } of targets.values()) {
    const before = states.find((s) => s.path === ref.path);
    const previous =
      before?.state === 'ok' ? (before.credHelpers[host] ?? null) : null;
    const result = await setCredHelper(ref.path, host, HELPER_NAME);
    changed.push({
      path: ref.path,
      registeredFor: engines,
      alreadyRegistered: !result.changed,
      replaced: previous !== null && previous !== HELPER_NAME ? previous : null,
      removed: [],
      backup: result.backupPath ?? null,
    });
  }
  return changed;
}

/** Removes every stored QCI secret from the files, adding to `changed` (one backup per file). */
async function removeStoredSecrets(
  states: readonly AuthFileState[],
  host: string,
  changed: HelperLoginFile[],
): Promise<void> {
  for (const state of states) {
    if (
      state.state !== 'ok' ||
      !state.entries.some((e) => keyBelongsToHost(e.key, host))
    )
      continue;
    const file = changed.find((f) => f.path === state.path);
    const result = await removeCredentials(state.path, host, {
      format: state.ref.format,
      backup: !file?.backup,
    });
    if (result.removed.length === 0) continue;
    if (file) {
      file.removed = result.removed;
      file.backup ??= result.backupPath ?? null;
    } else {
      changed.push({
        path: state.path,
        registeredFor: [],
        alreadyRegistered: false,
        replaced: null,
        removed: result.removed,
        backup: result.backupPath ?? null,
      });
    }
  }
}

/** What each engine will now use for QCI: nothing when it is the helper, else a warning saying what wins. */
async function helperNotUsed(
  setup: AuthSetup,
  version: string | undefined,
  host: string,
): Promise<string[]> {
  const warnings: string[] = [];
  for (const engine of ['podman', 'docker'] as const) {
    const effective = effectiveCredential(
      await readAuthFiles(candidates(setup, engine, version)),
      host,
      QCI_REPOSITORY_PATH,
      { engine },
    );
    if (
      effective.outcome === 'helper' &&
      effective.winner?.helper === HELPER_NAME
    )
      continue;
    const what = effective.winner
      ? `${effective.winner.helper ? `docker-credential-${effective.winner.helper} for ` : ''}${effective.winner.key} in ${tildify(effective.winner.file.path, setup.home)}`
      : (effective.error?.reason ?? 'nothing');
    warnings.push(
      `${engine} will use ${what} for ${host}, not ${HELPER_BINARY}`,
    );
  }
  return warnings;
}

export interface HelperLogoutFile {
  path: string;
  /** The helper name removed from credHelpers (null in a dry run that found one: see `found`). */
  removed: string | null;
  found: string | null;
  backup: string | null;
  error: string | null;
}

export interface HelperLogoutReport {
  registry: string;
  dryRun: boolean;
  files: HelperLogoutFile[];
  /** credHelpers entries for the QCI host naming other helpers: left alone. */
  otherHelpers: { path: string; helper: string }[];
}

/** Removes `credHelpers[host] = "qci"` from every file podman or docker reads (other helpers stay). */
export async function unregisterCredHelper(
  setup: AuthSetup,
  options: { dryRun: boolean; authfile?: string | undefined },
): Promise<HelperLogoutReport> {
  const host = setup.settings.registry;
  const version = await versionForFiles(setup, 'podman', options.authfile);
  const report: HelperLogoutReport = {
    registry: host,
    dryRun: options.dryRun,
    files: [],
    otherHelpers: [],
  };
  for (const ref of allAuthFiles(setup, version, options.authfile)) {
    const state = await readAuthFile(ref);
    if (state.state !== 'ok') {
      if (state.state !== 'absent')
        report.files.push({
          path: ref.path,
          removed: null,
          found: null,
          backup: null,
          error: state.reason,
        });
      continue;
    }
    const helper = state.credHelpers[host];
    if (helper === undefined) continue;
    if (helper !== HELPER_NAME) {
      report.otherHelpers.push({ path: ref.path, helper });
      continue;
    }
    report.files.push(
      options.dryRun
        ? {
            path: ref.path,
            removed: null,
            found: helper,
            backup: null,
            error: null,
          }
        : await unregisterIn(ref, host),
    );
  }
  return report;
}

/** Removes `credHelpers[host]` (which names qci) from one file; an error is reported, not thrown. */
async function unregisterIn(
  ref: AuthFileRef,
  host: string,
): Promise<HelperLogoutFile> {
  try {
    const result = await removeCredHelper(ref.path, host);
    return {
      path: result.path,
      removed: result.removed ?? null,
      found: HELPER_NAME,
      backup: result.backupPath ?? null,
      error: null,
    };
  } catch (error) {
    return {
      path: ref.path,
      removed: null,
      found: HELPER_NAME,
      backup: null,
      error: messageOf(error),
    };
  }
}
