/**
 * Which stored credential docker sends, after docker/cli `cli/config/configfile/file.go`: one file;
 * `credHelpers[host]`, else `credsStore`, else `auths` by exact key, else by any key whose hostname is
 * `host` (Go's map order picks among several). An entry's `username`/`password` fields are sent when
 * its `auth` is empty or undecodable (not in ~/.dockercfg); an empty `credHelpers[host]` hides
 * `credsStore`. docker warns about a corrupt file or an undecodable `auth` and goes on with what it
 * decoded; a failing helper is ignored (the file's entry is sent).
 * Seen with docker 20.10 (test/e2e/docker-differential.test.ts).
 */
import type { AuthFileOk, AuthFileState } from './file.js';
import { dockerKeyHost, normalizeRegistry } from './keys.js';
import {
  answerFor,
  asksHelper,
  type Changes,
  type CredentialSource,
  credHelperSource,
  type Decision,
  type EngineKeychain,
  entrySends,
  fileError,
  mapOrderPicks,
  type SkippedSource,
  sendsEntry,
  sendsNothing,
  tiedSources,
} from './keychain.js';
import { problemText } from './entry.js';

export const dockerKeychain: EngineKeychain = {
  sources: dockerSources,
  resolve(host, files, all, changes) {
    const passedOver: SkippedSource[] = [];
    const index = fileDockerReads(files);
    const file = index === -1 ? undefined : files[index];
    if (!file) return sendsNothing(passedOver);
    // docker warns ("WARNING: Error loading config file") and goes on with what it decoded
    // (seen with docker 20.10): a corrupt or unreadable file leaves nothing, so the pull is anonymous.
    const reason = fileError(file);
    if (reason !== undefined)
      return {
        ...sendsNothing(passedOver),
        ignored: { file: file.ref, reason },
      };
    // docker does not fall back from a helper that has nothing: it pulls anonymously.
    const sources = (all[index] ?? []).filter((s) => !changes.removed(s));
    let first = sources[0];
    if (!first) return sendsNothing(passedOver);
    if (first.helper !== undefined && failedHelper(first, host, changes)) {
      // docker ignores the helper's error and sends the file's own entry for the host, if any.
      passedOver.push({
        ...first,
        reason: `docker-credential-${first.helper} failed: docker ignores the error and uses the file's auths`,
      });
      first = sources.find((s) => s.helper === undefined);
      if (!first) return sendsNothing(passedOver);
    }
    if (first.ambiguous) {
      const tied = sources.filter((s) => s.ambiguous);
      const verdicts = new Set(
        tied.map((s) => (s.entry ? entrySends(s.entry) : 'nothing')),
      );
      if (verdicts.size > 1) return mapOrderPicks(tied, passedOver);
    }
    if (first.helper !== undefined)
      return fromHelper(host, first, changes, passedOver);
    return fromEntry(file, first, passedOver);
  },
};

function dockerSources(read: AuthFileOk, host: string): CredentialSource[] {
  const out: CredentialSource[] = [];
  const file = { ...read, entries: read.entries.map((e) => e.dockerReading()) };
  const helper = credHelperSource(file, host);
  if (helper) out.push(helper);
  // An empty credHelpers[host] names no helper and hides credsStore: docker reads the file's entry.
  if (file.credsStore !== undefined && !file.blankCredHelpers.includes(host))
    out.push({
      file: file.ref,
      key: 'credsStore',
      how: 'credsStore',
      helper: file.credsStore,
    });
  const byKey = new Map(file.entries.map((e) => [e.key, e] as const));
  const want = normalizeRegistry(host);
  const exactKey =
    want === 'index.docker.io' ? 'https://index.docker.io/v1/' : host;
  const exact = byKey.get(exactKey) ?? byKey.get(host);
  if (exact)
    out.push({ file: file.ref, key: exact.key, how: 'exact', entry: exact });
  out.push(
    ...tiedSources(
      file,
      'hostname',
      (key) =>
        key !== exact?.key && normalizeRegistry(dockerKeyHost(key)) === want,
    ),
  );
  return out;
}

/** docker reads one file: config.json; the legacy ~/.dockercfg only while config.json is missing. */
function fileDockerReads(files: readonly AuthFileState[]): number {
  return files.findIndex(
    (f) =>
      f.state !== 'absent' &&
      (f.ref.readOnlyWhenMissing === undefined ||
        !files.some(
          (o) => o.path === f.ref.readOnlyWhenMissing && o.state !== 'absent',
        )),
  );
}

function failedHelper(
  source: CredentialSource,
  host: string,
  changes: Changes,
): boolean {
  return answerFor(source, host, changes)?.state === 'failed';
}

function fromHelper(
  host: string,
  first: CredentialSource,
  changes: Changes,
  passedOver: SkippedSource[],
): Decision {
  const answer = answerFor(first, host, changes);
  // "not found" is an empty answer: docker sends it, i.e. nothing (no file fallback).
  if (answer?.state === 'not-found') {
    passedOver.push({
      ...first,
      reason: `docker-credential-${first.helper} has nothing for ${host}: docker sends no credentials`,
    });
    return sendsNothing(passedOver);
  }
  return asksHelper(first, passedOver, answer);
}

function fromEntry(
  file: AuthFileState,
  first: CredentialSource,
  passedOver: SkippedSource[],
): Decision {
  const broken =
    file.state === 'ok'
      ? file.entries.find((e) => e.kind === 'invalid')
      : undefined;
  if (broken && first.ambiguous !== true && decodedByMapOrder(file, first))
    return mapOrderPicks(
      [first, { ...first, key: broken.key, entry: broken }],
      passedOver,
    );
  if (first.entry?.kind === 'placeholder') {
    passedOver.push({
      ...first,
      reason:
        '{} placeholder but no credential helper configured: docker sends no credentials',
    });
    return sendsNothing(passedOver);
  }
  if (first.entry?.kind === 'invalid' && !first.entry.hasIdentityToken) {
    passedOver.push({
      ...first,
      reason: `${problemText(first.entry.problem)}: docker warns and sends no credentials`,
    });
    return sendsNothing(passedOver);
  }
  return sendsEntry(first, passedOver);
}

/**
 * An undecodable `auth` stops decoding, and Go's map order decides which entries came before it: those
 * were decoded, the rest keep only their `username`/`password` fields (an identitytoken either way).
 * In config.json an entry without `auth` has nothing to decode; ~/.dockercfg's reader decodes even an
 * empty `auth`, wiping the fields.
 */
function decodedByMapOrder(
  file: AuthFileState,
  first: CredentialSource,
): boolean {
  const entry = first.entry;
  if (entry?.kind === 'basic') return !entry.fromFields;
  return (
    file.ref.format === 'dockercfg' &&
    entry?.kind === 'placeholder' &&
    entry.hasDockerFields
  );
}
