/**
 * Which stored credential podman (skopeo, buildah: containers/image) sends, after
 * `containers/image pkg/docker/config/config.go` (findCredentialsInFile, getCredentialsWithHomeDir):
 * - files in order; in each: `credHelpers[host]` first, then the exact keys `host/ns/repo`, `host/ns`,
 *   `host` (most specific first, only the first one present is looked at), then URL keys cut to their
 *   host (`https://host/v1/`). The first file with a usable match wins; a bad credential is not retried.
 * - an entry whose `auth` is empty or has no `:` (`{}` placeholders, identity-token-only entries) yields
 *   nothing: podman goes on with the NEXT FILE (not with less specific keys of the same file).
 * - an entry whose `auth` is not base64, or a file that is not JSON, stops the lookup with an error.
 * - `credsStore` is ignored.
 */
import type { AuthFileRef } from './discovery.js';
import { type AuthEntry, problemText } from './entry.js';
import type { AuthFileOk, AuthFileState } from './file.js';
import { normalizeRegistry, podmanKeyHost, podmanLookupKeys } from './keys.js';
import {
  answerFor,
  asksHelper,
  type Changes,
  type CredentialSource,
  credHelperSource,
  type Decision,
  type EngineKeychain,
  entrySends,
  fails,
  fileError,
  mapOrderPicks,
  type SkippedSource,
  sendsEntry,
  sendsNothing,
  tiedSources,
} from './keychain.js';

export const podmanKeychain: EngineKeychain = {
  sources: podmanSources,
  resolve(host, files, all, changes) {
    const passedOver: SkippedSource[] = [];
    for (const [i, file] of files.entries()) {
      const sources = all[i] ?? [];
      const decision = inFile(host, file, sources, changes, passedOver);
      if (decision) return decision;
    }
    return sendsNothing(passedOver);
  },
};

function podmanSources(
  file: AuthFileOk,
  host: string,
  repository: string | undefined,
): CredentialSource[] {
  const legacy = file.ref.format === 'dockercfg';
  const out: CredentialSource[] = [];
  const helper = credHelperSource(file, host);
  if (helper) out.push(helper);
  const byKey = new Map(file.entries.map((e) => [e.key, e] as const));
  const taken = new Set<string>();
  const lookup = podmanLookupKeys(host, repository, legacy);
  lookup.forEach((key, index) => {
    const entry = byKey.get(key);
    if (!entry) return;
    out.push({
      file: file.ref,
      key,
      how: index === 0 ? 'exact' : key === host ? 'host' : 'namespace',
      entry,
    });
    taken.add(key);
  });
  const want = normalizeRegistry(host);
  out.push(
    ...tiedSources(
      file,
      'url',
      (key) => !taken.has(key) && podmanKeyHost(key, legacy) === want,
    ),
  );
  return out;
}

/**
 * What podman makes of one file's first matching source: a decision, or undefined to go on with the
 * next file (what it passed over is added to `passedOver`).
 */
function inFile(
  host: string,
  file: AuthFileState,
  all: CredentialSource[],
  changes: Changes,
  passedOver: SkippedSource[],
): Decision | undefined {
  if (file.state === 'absent' && file.ref.mustExist) {
    const reason = `stat ${file.path}: no such file or directory (podman stats ${file.ref.why} before every pull)`;
    return fails({ file: file.ref, key: undefined, reason }, passedOver);
  }
  const problem = fileError(file);
  if (problem !== undefined)
    return fails(
      { file: file.ref, key: undefined, reason: problem },
      passedOver,
    );
  const sources = all.filter((s) => !changes.removed(s));
  const first = sources[0];
  if (!first) return undefined;
  if (first.helper !== undefined)
    return fromHelper(host, file.ref, first, changes, passedOver);
  if (first.ambiguous) {
    const tied = sources.filter((s) => s.ambiguous);
    const verdicts = new Set(tied.map(perSource));
    if (verdicts.size > 1) return mapOrderPicks(tied, passedOver);
  }
  return fromEntry(file.ref, first, passedOver);
}

/** What podman does with one file's first matching source: what it sends, `error` or `next`. */
function perSource(source: CredentialSource): string {
  const entry = source.entry;
  if (entry?.kind === 'basic') return entrySends(entry);
  if (entry?.problem === 'not-base64') return 'error';
  return 'next';
}

function fromHelper(
  host: string,
  ref: AuthFileRef,
  first: CredentialSource,
  changes: Changes,
  passedOver: SkippedSource[],
): Decision | undefined {
  const answer = answerFor(first, host, changes);
  if (answer === undefined || answer.state === 'found')
    return asksHelper(first, passedOver, answer);
  if (answer.state === 'failed') {
    const helper = first.helper ? { helper: first.helper } : {};
    const error = { file: ref, key: first.key, reason: answer.reason };
    return fails({ ...error, ...helper }, passedOver);
  }
  // A helper with nothing stored ends this file's lookup; podman goes on with the next file.
  passedOver.push({
    ...first,
    reason: `docker-credential-${first.helper} has nothing for ${host}: podman goes on with the next file`,
  });
  return undefined;
}

function fromEntry(
  ref: AuthFileRef,
  first: CredentialSource,
  passedOver: SkippedSource[],
): Decision | undefined {
  const entry = first.entry;
  if (entry?.kind === 'basic') return sendsEntry(first, passedOver);
  if (entry?.problem === 'not-base64') {
    const reason = `${ref.path}: auths key ${JSON.stringify(first.key)}: ${problemText(entry.problem)}`;
    return fails({ file: ref, key: first.key, reason }, passedOver);
  }
  passedOver.push({ ...first, reason: skipReason(entry) });
  return undefined;
}

/** Why podman passes over an entry and goes on with the next file. */
function skipReason(entry: AuthEntry | undefined): string {
  if (entry?.kind === 'placeholder')
    return '{} placeholder: podman finds no credential in it and goes on with the next file';
  if (entry?.kind === 'identity-token')
    return 'identity token without "auth": podman ignores it and goes on with the next file';
  return `${problemText(entry?.problem)}: podman skips it (with a warning) and goes on with the next file`;
}
