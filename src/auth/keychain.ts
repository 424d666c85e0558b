/**
 * One question, "which stored credential would this engine send for `host/repository`?", with one
 * answer per engine, after go-containerregistry's `pkg/authn/multikeychain.go` (one Keychain interface,
 * one implementation per source of credentials): podman in podman-keychain.ts, docker in
 * docker-keychain.ts. match.ts asks them and works out what the choice hides.
 */
import type { AuthFileRef } from './discovery.js';
import type { AuthEntry } from './entry.js';
import type { AuthFileOk, AuthFileState } from './file.js';

/**
 * - `exact`: the key is exactly what was looked up: `host/repository`, or `host` when no repository is given.
 * - `namespace`: a less specific per-repository key (`host/ns` for `host/ns/repo`).
 * - `host`: the plain host key, for a lookup that named a repository.
 * - `url`: a key with a scheme, cut to its host (`https://host/v1/`); also legacy-file keys with a path.
 * - `hostname`: docker only: any key whose hostname is the host (docker cuts `host/ns/repo` to `host`).
 * - `credHelpers` / `credsStore`: a credential helper is asked instead.
 */
export type MatchHow =
  | 'exact'
  | 'namespace'
  | 'host'
  | 'url'
  | 'hostname'
  | 'credHelpers'
  | 'credsStore';

export interface CredentialSource {
  file: AuthFileRef;
  /** The auths key, or the credHelpers key; `credsStore` for the docker store. */
  key: string;
  how: MatchHow;
  /** The auths entry (absent for helpers). */
  entry?: AuthEntry;
  /** `docker-credential-<helper>` is asked. */
  helper?: string;
  /**
   * Several keys match equally (two URL forms of one host): Go walks a map in random order, so which one
   * the engine picks can change from run to run.
   */
  ambiguous?: boolean;
}

export interface SkippedSource extends CredentialSource {
  reason: string;
}

/**
 * What `docker-credential-NAME get` answered for the host. `found` keeps the secret behind a method, so
 * JSON and logs of the answer never show it.
 */
export type HelperAnswer =
  | { state: 'found'; user: string; secret: () => string }
  | { state: 'not-found' }
  | { state: 'failed'; reason: string; missing?: boolean };

export function helperKey(helper: string, host: string): string {
  return `${helper}\0${host}`;
}

export type Outcome =
  /** A stored user/password (or identity token) will be sent. */
  | 'entry'
  /** A credential helper will be asked (podman goes on with later files if it has nothing). */
  | 'helper'
  /** Nothing matches: the pull is anonymous. */
  | 'none'
  /** A file or entry problem decides: podman fails the pull; docker ignores the whole file. */
  | 'error'
  /** Several URL keys for the host in one file would send different things; Go's map order picks. */
  | 'ambiguous';

export interface DecisionError {
  file: AuthFileRef;
  key: string | undefined;
  reason: string;
  /** The credential helper that failed, when one did. */
  helper?: string;
}

/** What an engine decides for one lookup. */
export interface Decision {
  outcome: Outcome;
  winner: CredentialSource | undefined;
  error: DecisionError | undefined;
  passedOver: SkippedSource[];
  candidates?: CredentialSource[];
  answer?: HelperAnswer;
  /** A file the engine warned about and went on without (docker and a corrupt config.json). */
  ignored?: { file: AuthFileRef; reason: string };
}

/** How a simulation changes the files: entries removed, helpers that now answer "not found". */
export interface Changes {
  removed: (source: CredentialSource) => boolean;
  emptyHelper: (source: CredentialSource) => boolean;
  answers: ReadonlyMap<string, HelperAnswer>;
}

export const NO_CHANGES: Changes = {
  removed: () => false,
  emptyHelper: () => false,
  answers: new Map(),
};

/** Which credential one engine would send (go-containerregistry's Keychain, for one engine's rules). */
export interface EngineKeychain {
  /** Every source in one readable file that matches `host/repository`, best first (the engine's order). */
  sources(
    file: AuthFileOk,
    host: string,
    repository: string | undefined,
  ): CredentialSource[];
  /** What the engine sends, given the files in its order and `all[i]`, the sources of `files[i]`. */
  resolve(
    host: string,
    files: readonly AuthFileState[],
    all: CredentialSource[][],
    changes: Changes,
  ): Decision;
}

/** `credHelpers[host]`, which both engines look at first in a file. */
export function credHelperSource(
  file: AuthFileOk,
  host: string,
): CredentialSource | undefined {
  const helper = Object.hasOwn(file.credHelpers, host)
    ? file.credHelpers[host]
    : undefined;
  if (helper === undefined) return undefined;
  return { file: file.ref, key: host, how: 'credHelpers', helper };
}

/** The entries whose key `matches`, as sources of one kind; all `ambiguous` when there are several. */
export function tiedSources(
  file: AuthFileOk,
  how: MatchHow,
  matches: (key: string) => boolean,
): CredentialSource[] {
  const tied = file.entries.filter((e) => matches(e.key));
  return tied.map((e) => ({
    file: file.ref,
    key: e.key,
    how,
    entry: e,
    ...(tied.length > 1 ? { ambiguous: true } : {}),
  }));
}

export function answerFor(
  source: CredentialSource,
  host: string,
  changes: Changes,
): HelperAnswer | undefined {
  if (source.helper === undefined) return undefined;
  if (changes.emptyHelper(source)) return { state: 'not-found' };
  return changes.answers.get(helperKey(source.helper, host));
}

/** What a basic entry makes the engine send, as a string to compare entries by. */
export function entrySends(entry: AuthEntry): string {
  if (entry.hasIdentityToken) return `identity\0${entry.identityToken()}`;
  const user = entry.user ?? '';
  const password = entry.password() ?? '';
  return user !== '' && password !== ''
    ? `basic\0${user}\0${password}`
    : 'nothing';
}

export function fileError(file: AuthFileState): string | undefined {
  return file.state === 'corrupt' || file.state === 'unreadable'
    ? file.reason
    : undefined;
}

// ---- the decisions, one constructor each ----------------------------------------------------------

export function sendsNothing(passedOver: SkippedSource[]): Decision {
  return { outcome: 'none', winner: undefined, error: undefined, passedOver };
}

export function sendsEntry(
  winner: CredentialSource,
  passedOver: SkippedSource[],
): Decision {
  return { outcome: 'entry', winner, error: undefined, passedOver };
}

export function asksHelper(
  winner: CredentialSource,
  passedOver: SkippedSource[],
  answer: HelperAnswer | undefined,
): Decision {
  return {
    outcome: 'helper',
    winner,
    error: undefined,
    passedOver,
    ...(answer ? { answer } : {}),
  };
}

export function mapOrderPicks(
  candidates: CredentialSource[],
  passedOver: SkippedSource[],
): Decision {
  return {
    outcome: 'ambiguous',
    winner: undefined,
    error: undefined,
    passedOver,
    candidates,
  };
}

export function fails(
  error: DecisionError,
  passedOver: SkippedSource[],
): Decision {
  return { outcome: 'error', winner: undefined, error, passedOver };
}
