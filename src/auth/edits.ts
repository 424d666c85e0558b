/**
 * The edits qci makes to the entries of an auth file (`auths`, `credHelpers`), each one read-modify-write
 * of updateAuthFile: everything qci does not touch is kept. Inputs are checked first; messages name the
 * path and the field, never a secret.
 */
import { basename } from 'node:path';
import { QciError, usageError } from '../core/errors.js';
import type { AuthFileFormat } from './discovery.js';
import { encodeAuth } from './entry.js';
import { goFieldKey, isRecord } from './file.js';
import { dockerKeyHost, hasScheme, keyBelongsToHost } from './keys.js';
import {
  type AuthJson,
  type UpdateOptions,
  type UpdateResult,
  updateAuthFile,
} from './write.js';

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

/** The object holding a field (`auths`, `credHelpers`), created when missing or null; a non-object refused. */
export function objectField(
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

function checkCredential(host: string, user: string, secret: string): void {
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
}

/** `credHelpers[registry]`, when it names a helper. */
function credHelperIn(json: AuthJson, registry: string): string | undefined {
  const key = goFieldKey(json, 'credHelpers');
  const helpers = key === undefined ? undefined : json[key];
  if (
    isRecord(helpers) &&
    Object.hasOwn(helpers, registry) &&
    typeof helpers[registry] === 'string'
  )
    return String(helpers[registry]);
  return undefined;
}

/** What in the file keeps the engines from using an `auths` entry for `registry`. */
function overridesOf(json: AuthJson, registry: string): string[] {
  const warnings: string[] = [];
  const helper = credHelperIn(json, registry);
  if (helper !== undefined)
    warnings.push(
      `credHelpers sends podman and docker to docker-credential-${helper} for ${registry}; they will not use this entry`,
    );
  const storeKey = goFieldKey(json, 'credsStore');
  const store = storeKey === undefined ? undefined : json[storeKey];
  if (typeof store === 'string' && store !== '')
    warnings.push(
      `credsStore makes docker ask docker-credential-${store} instead of this entry (podman ignores credsStore)`,
    );
  return warnings;
}

/** Stores `auths[host] = {auth: base64(user:secret)}`, as `podman login` does; everything else is kept. */
export async function setCredential(
  path: string,
  host: string,
  user: string,
  secret: string,
  options: SetCredentialOptions = {},
): Promise<SetCredentialResult> {
  checkCredential(host, user, secret);
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
      warnings.push(...overridesOf(json, registry));
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
        helper = credHelperIn(json, registry);
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
