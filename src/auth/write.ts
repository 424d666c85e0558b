/**
 * Safe edits of auth files: read (missing → `{}`), refuse a file that is not a JSON object (it is left
 * byte for byte as it was), mutate, and write atomically (temp file in the same directory, fsync, rename,
 * fsync of the directory) with mode 0600, parent directories created 0700, a timestamped backup of the
 * previous bytes, and every key qci does not touch kept. The read-modify-write runs under a lock file
 * (see lock.ts) so concurrent qci processes serialise.
 *
 * Error messages name the path and the field, never a secret.
 */
import { constants } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  unlink,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { QciError, usageError } from '../core/errors.js';
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import { AuthEntry, encodeAuth, type RawEntry } from './entry.js';
import { goFieldKey, parseJsonText } from './file.js';
import { dockerKeyHost, hasScheme, keyBelongsToHost } from './keys.js';
import { sweepLeftovers, withFileLock, type LockOptions } from './lock.js';
import type { AuthFileFormat } from './discovery.js';

export type AuthJson = Record<string, unknown>;

export interface UpdateOptions {
  /** Clock for the backup name (tests pass a fixed one). */
  now?: () => Date;
  lock?: LockOptions;
  /** Keep a copy of the previous contents next to the file (default true). */
  backup?: boolean;
  /** How many `*.qci-backup-*` copies to keep per file, oldest removed first (default 5). */
  keepBackups?: number;
  /**
   * Secrets this write removes, which no backup may keep: entries for these hosts (any key form) or
   * holding these secrets are left out of the new backup and cut from the file's older backups.
   */
  scrub?: Scrub;
}

export interface Scrub {
  hosts?: readonly string[];
  secrets?: readonly string[];
}

export interface UpdateResult {
  /** The file written (a symlink's target when `path` was a symlink). */
  path: string;
  /** False when the mutation changed nothing: the file was not rewritten. */
  changed: boolean;
  /** The file did not exist before. */
  created: boolean;
  backupPath: string | undefined;
}

const BACKUP_INFIX = '.qci-backup-';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ioError(action: string, path: string, error: unknown): QciError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new QciError(`cannot ${action} ${path} (${code})`, {
    kind: 'auth-file-write',
    cause: error,
    hint: `check the permissions of ${dirname(path)}`,
  });
}

/** Follows symlinks (also dangling ones) so the write replaces the target, not the link. */
async function resolveTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let isLink = false;
    try {
      isLink = (await lstat(current)).isSymbolicLink();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return current;
      throw ioError('read', path, error);
    }
    if (!isLink) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  throw new QciError(
    `cannot update ${path}: too many levels of symbolic links`,
    { kind: 'auth-file-write' },
  );
}

/** `20261128T120000Z` */
export function backupStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

function detectIndent(text: string): string {
  const match = /^([ \t]+)\S/m.exec(text);
  if (!match?.[1]) return '\t'; // podman and docker both write tab-indented JSON
  return match[1].startsWith('\t')
    ? '\t'
    : ' '.repeat(Math.min(match[1].length, 8));
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}

/** Writes `data` to `target` atomically with `mode`: temp file beside it, fsync, rename, fsync dir. */
export function writeFileAtomic(
  target: string,
  data: string,
  mode = 0o600,
  /** Asked just before the rename: false leaves `target` as it is (and the result false). */
  stillCurrent?: () => Promise<boolean>,
): Promise<boolean> {
  return writeAtomically(target, data, mode, stillCurrent, true);
}

/**
 * A cache file (0600): atomic like writeFileAtomic, so a reader never sees half of it, but not synced to
 * disk (a cache lost in a crash is only asked again; two fsyncs can cost tens of ms on a real disk).
 */
export async function writeCacheFile(
  target: string,
  data: string,
): Promise<void> {
  await writeAtomically(target, data, 0o600, undefined, false);
}

async function writeAtomically(
  target: string,
  data: string,
  mode: number,
  stillCurrent: (() => Promise<boolean>) | undefined,
  durable: boolean,
): Promise<boolean> {
  const dir = dirname(target);
  // node:crypto loads with the first write, not with this module (a pull that writes nothing loads it).
  const { randomBytes } = await import('node:crypto');
  const temp = join(
    dir,
    `.${basename(target)}.qci-tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.chmod(mode); // open's mode passes through the umask
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    if (stillCurrent && !(await stillCurrent())) {
      await rm(temp, { force: true });
      return false;
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw ioError('write', target, error);
  }
  if (durable) await syncDir(dir);
  return true;
}

/** What tells one version of a file from another: inode, size, change time; 'absent' when missing. */
async function identityOf(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw ioError('read', path, error);
  }
}

/** Rounds of re-reading when another program keeps rewriting the file under qci (podman login). */
const MAX_ROUNDS = 5;

const BACKUP_FLAGS =
  constants.O_WRONLY |
  constants.O_CREAT |
  constants.O_EXCL |
  constants.O_NOFOLLOW;

/**
 * A new file holding `data`, mode 0600 from its creation: O_EXCL|O_NOFOLLOW so a name planted
 * beforehand (a symlink in a shared directory) is never followed or reused; removed if the write fails.
 */
async function createPrivateFile(path: string, data: string): Promise<void> {
  const handle = await open(path, BACKUP_FLAGS, 0o600);
  try {
    await handle.chmod(0o600); // on the descriptor: open's mode passes through the umask
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
}

function backupPrefix(target: string): string {
  return `${basename(target)}${BACKUP_INFIX}`;
}

/** The backups of `target` qci could have made (regular files of this user), oldest first. */
async function listBackups(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = backupPrefix(target);
  const uid = process.getuid?.();
  const names: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (info?.isFile() && (uid === undefined || info.uid === uid))
      names.push(name);
  }
  const order = (name: string) => {
    const rest = name.slice(prefix.length);
    const [stamp = '', suffix = '1'] = rest.split('-');
    return `${stamp}-${suffix.padStart(6, '0')}`;
  };
  names.sort((a, b) => order(a).localeCompare(order(b)));
  return names.map((n) => join(dir, n));
}

async function writeBackup(
  target: string,
  original: string,
  now: Date,
  keep: number,
): Promise<string> {
  const base = `${target}${BACKUP_INFIX}${backupStamp(now)}`;
  let backupPath = base;
  for (let n = 2; ; n++) {
    try {
      await createPrivateFile(backupPath, original);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ELOOP: a symlink sits at the name (O_NOFOLLOW); take the next name, never that one.
      if ((code !== 'EEXIST' && code !== 'ELOOP') || n > 1000)
        throw ioError('back up', target, error);
      backupPath = `${base}-${n}`;
    }
  }
  // Backups hold old secrets too: keep only the newest few.
  const backups = (await listBackups(target)).filter((b) => b !== backupPath);
  for (const old of backups.slice(
    0,
    Math.max(0, backups.length + 1 - Math.max(1, keep)),
  ))
    await unlink(old).catch(() => undefined);
  return backupPath;
}

/** Whether an entry is one the scrub removes (its host, or a secret it names). */
function scrubbed(key: string, raw: unknown, scrub: Scrub): boolean {
  if ((scrub.hosts ?? []).some((h) => keyBelongsToHost(key, h))) return true;
  const secrets = scrub.secrets ?? [];
  if (secrets.length === 0 || !isRecord(raw)) return false;
  const entry = new AuthEntry(key, raw as RawEntry);
  const found = [entry.password(), entry.identityToken()];
  return found.some((s) => s !== undefined && secrets.includes(s));
}

/** An auth file's JSON without the scrubbed entries (in `auths`, or top-level as in ~/.dockercfg). */
function scrubJson(json: AuthJson, scrub: Scrub): boolean {
  let changed = false;
  const cut = (entries: Record<string, unknown>, hostKeysOnly: boolean) => {
    for (const [key, value] of Object.entries(entries)) {
      if (hostKeysOnly && !isRecord(value)) continue;
      if (scrubbed(key, value, scrub)) {
        delete entries[key];
        changed = true;
      }
    }
  };
  const authsKey = goFieldKey(json, 'auths');
  const auths = authsKey === undefined ? undefined : json[authsKey];
  if (isRecord(auths)) cut(auths, false);
  cut(json, true); // legacy format: the entries are the top level
  return changed;
}

function scrubText(text: string, scrub: Scrub): string {
  const parsed = parseJsonText(text);
  if (!parsed.ok || !isRecord(parsed.value)) return text;
  const json = parsed.value;
  if (!scrubJson(json, scrub)) return text;
  const newline = text.endsWith('\n') ? '\n' : '';
  return JSON.stringify(json, null, detectIndent(text)) + newline;
}

/**
 * Cuts the scrubbed entries out of every backup of `target` (each rewritten atomically, mode 0600).
 * A backup that is a symlink, not regular, or not ours is left alone: it is not one qci wrote.
 * A backup that cannot be parsed (qci only ever backs up valid JSON) but names a secret is removed.
 */
export async function scrubBackups(
  path: string,
  scrub: Scrub,
): Promise<string[]> {
  const target = await resolveTarget(path);
  const changed: string[] = [];
  for (const backup of await listBackups(target)) {
    let text: string;
    try {
      text = await readFileSafe(backup, {
        maxBytes: MAX_BYTES.authFile,
        what: 'backup',
        noFollow: true,
      });
    } catch {
      continue;
    }
    const next = scrubText(text, scrub);
    if (next === text) continue;
    await writeFileAtomic(backup, next, 0o600);
    changed.push(backup);
  }
  return changed;
}

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
    await mkdir(dir, { recursive: true, mode: 0o700 });
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
  let original: string | undefined;
  try {
    original = await readFileSafe(target, {
      maxBytes: MAX_BYTES.authFile,
      what: 'auth file',
    });
  } catch (error) {
    if (error instanceof QciError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw ioError('read', target, error);
  }
  let before: AuthJson = {};
  if (original !== undefined) {
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
    before = parsed.value ?? {};
  }
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
  const indent = original === undefined ? '\t' : detectIndent(original);
  const newline = original === undefined || original.endsWith('\n') ? '\n' : '';
  const text = JSON.stringify(after, null, indent) + newline;
  let backupPath: string | undefined;
  if (original !== undefined && options.backup !== false) {
    backupPath = await writeBackup(
      target,
      options.scrub ? scrubText(original, options.scrub) : original,
      (options.now ?? (() => new Date()))(),
      options.keepBackups ?? 5,
    );
  }
  const renamed = await writeFileAtomic(
    target,
    text,
    0o600,
    async () => round >= MAX_ROUNDS || (await identityOf(target)) === identity,
  );
  if (!renamed) {
    if (backupPath) await unlink(backupPath).catch(() => undefined);
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

// ---- helpers on top -------------------------------------------------------------------------------

const HOST_KEY =
  /^[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._-]+)*$|^\[[0-9A-Fa-f:]+\](?::[0-9]{1,5})?(?:\/[A-Za-z0-9._-]+)*$/;
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkKey(host: string): void {
  if (hasScheme(host))
    throw usageError(
      `registry "${host}" has a scheme; give the host only (such as quay-proxy.ci.openshift.org)`,
      { kind: 'bad-registry' },
    );
  if (!HOST_KEY.test(host))
    throw usageError(
      `registry "${host}" is not a host[:port][/namespace/repository]`,
      { kind: 'bad-registry' },
    );
}

/** A host for removal: a URL or a key is cut to its hostname. */
function hostOf(hostOrKey: string): string {
  const host = dockerKeyHost(hostOrKey);
  if (host === '' || /\s/.test(host))
    throw usageError(`registry "${hostOrKey}" is not a host`, {
      kind: 'bad-registry',
    });
  return host;
}

function formatOf(
  path: string,
  format: AuthFileFormat | undefined,
): AuthFileFormat {
  return (
    format ??
    (basename(path) === '.dockercfg'
      ? 'dockercfg'
      : basename(path) === 'config.json'
        ? 'docker-config'
        : 'auth.json')
  );
}

/** The object holding a field (`auths`, `credHelpers`), created when missing or null. */
function objectField(
  json: AuthJson,
  field: string,
  path: string,
): Record<string, unknown> {
  const key = goFieldKey(json, field) ?? field;
  const value = json[key];
  if (value === undefined || value === null) {
    const created: Record<string, unknown> = {};
    json[key] = created;
    return created;
  }
  if (!isRecord(value)) {
    throw new QciError(
      `cannot update ${path}: "${key}" must be a JSON object; qci left the file unchanged`,
      {
        kind: 'auth-file-corrupt',
        hint: `repair "${key}" in ${path}`,
      },
    );
  }
  return value;
}

export interface SetCredentialOptions extends UpdateOptions {
  format?: AuthFileFormat;
  /** Also delete the host's other keys in this file (URL forms, per-repository keys) that could win over the new one. */
  removeOtherKeys?: boolean;
}

export interface SetCredentialResult extends UpdateResult {
  key: string;
  /** The host's other keys still in the file (URL forms, per-repository keys). */
  otherKeysForHost: string[];
  removedKeys: string[];
  /** Things in the file that keep the engines from using the new entry (credHelpers, credsStore). */
  warnings: string[];
}

/** Stores `auths[host] = {auth: base64(user:secret)}`, as `podman login` does; everything else is kept. */
export async function setCredential(
  path: string,
  host: string,
  user: string,
  secret: string,
  options: SetCredentialOptions = {},
): Promise<SetCredentialResult> {
  checkKey(host);
  if (user === '' || /[:\r\n]/.test(user))
    throw usageError(
      `user name "${user.replace(/[\r\n]/g, ' ')}" must be non-empty and contain no ":" or line break`,
      { kind: 'bad-credential' },
    );
  // Say what is wrong with the secret without echoing any of it.
  if (secret === '')
    throw usageError(`the secret for ${host} is empty`, {
      kind: 'bad-credential',
    });
  if (/[\r\n]/.test(secret))
    throw usageError(
      `the secret for ${host} contains a line break (a paste error?)`,
      { kind: 'bad-credential' },
    );
  const format = formatOf(path, options.format);
  if (format === 'dockercfg') {
    throw usageError(`qci does not write the legacy format of ${path}`, {
      kind: 'unsupported-auth-file',
      hint: 'write to an auth.json or config.json instead',
    });
  }
  const warnings: string[] = [];
  let otherKeysForHost: string[] = [];
  const removedKeys: string[] = [];
  const result = await updateAuthFile(
    path,
    (json) => {
      // Re-run from scratch when the file changed under qci: start these over.
      warnings.length = 0;
      removedKeys.length = 0;
      otherKeysForHost = [];
      const auths = objectField(json, 'auths', path);
      const registry = host.split('/', 1)[0] ?? host;
      const others = Object.keys(auths).filter(
        (k) => k !== host && keyBelongsToHost(k, registry),
      );
      if (options.removeOtherKeys) {
        for (const k of others) {
          delete auths[k];
          removedKeys.push(k);
        }
      } else {
        otherKeysForHost = others;
      }
      // podman login replaces the whole entry: an old identitytoken would otherwise win in docker.
      auths[host] = { auth: encodeAuth(user, secret) };
      const helpersKey = goFieldKey(json, 'credHelpers');
      const helpers = helpersKey === undefined ? undefined : json[helpersKey];
      if (
        isRecord(helpers) &&
        Object.hasOwn(helpers, registry) &&
        typeof helpers[registry] === 'string'
      ) {
        warnings.push(
          `credHelpers sends podman and docker to docker-credential-${String(helpers[registry])} for ${registry}; they will not use this entry`,
        );
      }
      const storeKey = goFieldKey(json, 'credsStore');
      const store = storeKey === undefined ? undefined : json[storeKey];
      if (typeof store === 'string' && store !== '') {
        warnings.push(
          `credsStore makes docker ask docker-credential-${store} instead of this entry (podman ignores credsStore)`,
        );
      }
    },
    options,
  );
  return { ...result, key: host, otherKeysForHost, removedKeys, warnings };
}

export interface RemoveCredentialsResult extends UpdateResult {
  /** The keys removed, as they were written. */
  removed: string[];
  /** `credHelpers[host]`, which stays (see removeCredHelper). */
  helper: string | undefined;
}

/**
 * Removes every key for `host`: the host itself, URL forms (`https://host/v1/`) and per-repository keys
 * (`host/ns/repo`). Unlike `podman logout HOST`, which removes the exact key only.
 */
export async function removeCredentials(
  path: string,
  host: string,
  options: UpdateOptions & { format?: AuthFileFormat } = {},
): Promise<RemoveCredentialsResult> {
  const registry = hostOf(host);
  const format = formatOf(path, options.format);
  const removed: string[] = [];
  let helper: string | undefined;
  const result = await updateAuthFile(
    path,
    (json) => {
      removed.length = 0;
      helper = undefined;
      let entries: Record<string, unknown>;
      if (format === 'dockercfg') {
        entries = json;
      } else {
        const key = goFieldKey(json, 'auths');
        const value = key === undefined ? undefined : json[key];
        if (value === undefined || value === null) return;
        if (!isRecord(value)) {
          throw new QciError(
            `cannot update ${path}: "${key ?? 'auths'}" must be a JSON object; qci left the file unchanged`,
            { kind: 'auth-file-corrupt' },
          );
        }
        entries = value;
        const helpersKey = goFieldKey(json, 'credHelpers');
        const helpers = helpersKey === undefined ? undefined : json[helpersKey];
        if (
          isRecord(helpers) &&
          Object.hasOwn(helpers, registry) &&
          typeof helpers[registry] === 'string'
        )
          helper = String(helpers[registry]);
      }
      for (const key of Object.keys(entries)) {
        if (keyBelongsToHost(key, registry)) {
          delete entries[key];
          removed.push(key);
        }
      }
    },
    // The user asked for these secrets to go: no backup keeps them.
    { scrub: { hosts: [registry] }, ...options },
  );
  return { ...result, removed, helper };
}

/** `credHelpers[host] = helper`: podman and docker then ask `docker-credential-<helper>` for that host. */
export async function setCredHelper(
  path: string,
  host: string,
  helper: string,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  checkKey(host);
  if (host.includes('/'))
    throw usageError(
      `credential helpers work per registry host, not per repository ("${host}")`,
      { kind: 'bad-registry' },
    );
  if (!HELPER_NAME.test(helper))
    throw usageError(
      `credential helper name "${helper}" is not a plain name (docker-credential-<name>)`,
      { kind: 'bad-helper' },
    );
  if (formatOf(path, undefined) === 'dockercfg')
    throw usageError(`the legacy ${path} has no credHelpers`, {
      kind: 'unsupported-auth-file',
    });
  return updateAuthFile(
    path,
    (json) => {
      objectField(json, 'credHelpers', path)[host] = helper;
    },
    options,
  );
}

export async function removeCredHelper(
  path: string,
  host: string,
  options: UpdateOptions = {},
): Promise<UpdateResult & { removed: string | undefined }> {
  let removed: string | undefined;
  const result = await updateAuthFile(
    path,
    (json) => {
      const key = goFieldKey(json, 'credHelpers');
      const helpers = key === undefined ? undefined : json[key];
      if (!isRecord(helpers) || !Object.hasOwn(helpers, host)) return;
      removed = typeof helpers[host] === 'string' ? helpers[host] : undefined;
      delete helpers[host];
    },
    options,
  );
  return { ...result, removed };
}
