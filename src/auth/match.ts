/**
 * Which stored credential an engine would send for `host/repository`, and what that choice hides.
 *
 * podman (containers/image findCredentialsInFile, getCredentialsWithHomeDir):
 * - files in order; in each: `credHelpers[host]` first, then the exact keys `host/ns/repo`, `host/ns`,
 *   `host` (most specific first, only the first one present is looked at), then URL keys cut to their
 *   host (`https://host/v1/`). The first file with a usable match wins; a bad credential is not retried.
 * - an entry whose `auth` is empty or has no `:` (`{}` placeholders, identity-token-only entries) yields
 *   nothing: podman goes on with the NEXT FILE (not with less specific keys of the same file).
 * - an entry whose `auth` is not base64, or a file that is not JSON, stops the lookup with an error.
 * - `credsStore` is ignored.
 * docker (docker/cli configfile): one file; `credHelpers[host]`, else `credsStore`, else `auths` by exact
 * key, else by any key whose hostname is `host`. A single undecodable `auth` makes docker ignore the file.
 */
import type { AuthFileRef, Engine } from './discovery.js';
import type { AuthEntry } from './entry.js';
import { problemText } from './entry.js';
import type { AuthFileOk, AuthFileState } from './file.js';
import {
  cleanRepository,
  dockerKeyHost,
  normalizeRegistry,
  podmanKeyHost,
  podmanLookupKeys,
} from './keys.js';

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

/** Asks a helper as the engine does (the caller runs the process). */
export type AskHelper = (helper: string, host: string) => Promise<HelperAnswer>;

export function helperKey(helper: string, host: string): string {
  return `${helper}\0${host}`;
}

export interface LookupOptions {
  engine?: Engine;
  /** Helpers already asked (`helperKey`): their answers decide instead of "a helper is asked". */
  helperAnswers?: ReadonlyMap<string, HelperAnswer>;
}

function isOk(file: AuthFileState): file is AuthFileOk {
  return file.state === 'ok';
}

/**
 * Every source in one file that matches `host/repository`, best first (the engine's own order).
 * The first one is the one the engine looks at in this file.
 */
export function matchingSources(
  file: AuthFileState,
  host: string,
  repository?: string,
  options: LookupOptions = {},
): CredentialSource[] {
  if (!isOk(file)) return [];
  const engine = options.engine ?? 'podman';
  const repo = cleanRepository(repository);
  const out: CredentialSource[] = [];
  const legacy = file.ref.format === 'dockercfg';
  const helper = Object.hasOwn(file.credHelpers, host)
    ? file.credHelpers[host]
    : undefined;
  if (helper !== undefined)
    out.push({ file: file.ref, key: host, how: 'credHelpers', helper });
  const byKey = new Map(file.entries.map((e) => [e.key, e] as const));
  const taken = new Set<string>();
  const want = normalizeRegistry(host);

  if (engine === 'docker') {
    if (file.credsStore !== undefined)
      out.push({
        file: file.ref,
        key: 'credsStore',
        how: 'credsStore',
        helper: file.credsStore,
      });
    const exactKey =
      want === 'index.docker.io' ? 'https://index.docker.io/v1/' : host;
    const exact = byKey.get(exactKey) ?? byKey.get(host);
    if (exact) {
      out.push({ file: file.ref, key: exact.key, how: 'exact', entry: exact });
      taken.add(exact.key);
    }
    const others = file.entries.filter(
      (e) =>
        !taken.has(e.key) && normalizeRegistry(dockerKeyHost(e.key)) === want,
    );
    for (const e of others)
      out.push({
        file: file.ref,
        key: e.key,
        how: 'hostname',
        entry: e,
        ...(others.length > 1 ? { ambiguous: true } : {}),
      });
    return out;
  }

  const lookup = podmanLookupKeys(host, repo, legacy);
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
  const urls = file.entries.filter(
    (e) => !taken.has(e.key) && podmanKeyHost(e.key, legacy) === want,
  );
  for (const e of urls)
    out.push({
      file: file.ref,
      key: e.key,
      how: 'url',
      entry: e,
      ...(urls.length > 1 ? { ambiguous: true } : {}),
    });
  return out;
}

/**
 * The source the engine uses from this one file for `host/repository`, per containers/image (podman) or
 * docker rules; undefined when nothing in the file matches. It may still be unusable (see effectiveCredential).
 */
export function matchEntry(
  file: AuthFileState,
  host: string,
  repository?: string,
  options: LookupOptions = {},
): CredentialSource | undefined {
  return matchingSources(file, host, repository, options)[0];
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

/**
 * What reaches the registry's token endpoint (seen here with a recording front, podman 4.3.1):
 * - `fails`: the engine stops before sending anything (a stat error, a corrupt file, a broken helper);
 * - `nothing`: an anonymous token request;
 * - `basic`: user:password (HTTP Basic); podman sends it only when both are non-empty;
 * - `identity-token`: an OAuth2 `grant_type=refresh_token` POST (an entry's `identitytoken`, or a
 *   helper answering with user `<token>`);
 * - `ambiguous`: one of `candidates`, chosen by Go's map order;
 * - `unasked`: a credential helper would be asked and nobody asked it yet.
 */
export type SentKind =
  | 'fails'
  | 'nothing'
  | 'basic'
  | 'identity-token'
  | 'ambiguous'
  | 'unasked';

export interface Sent {
  kind: SentKind;
  /** The user name sent with `basic`. Not secret. */
  user?: string;
  /** The secret sent; a function, so JSON of a report never carries it. */
  secret?: () => string;
}

export interface EffectiveCredential {
  engine: Engine;
  host: string;
  repository: string | undefined;
  outcome: Outcome;
  winner: CredentialSource | undefined;
  error:
    | {
        file: AuthFileRef;
        key: string | undefined;
        reason: string;
        /** The credential helper that failed, when one did. */
        helper?: string;
      }
    | undefined;
  /** Matching entries the engine looked at and passed over ({} placeholders, entries without user:password). */
  passedOver: SkippedSource[];
  /** Matching sources the engine never reaches because of the winner (or the error): later files, less specific keys. */
  shadowed: CredentialSource[];
  /**
   * Matching sources `podman logout HOST` would leave in place: everything outside the primary file
   * (REFERENCE §5: a stale token in ~/.docker/config.json survives it), per-repository and URL keys
   * (logout removes the exact HOST key only), and docker's credsStore.
   */
  unreachableByPodmanLogout: CredentialSource[];
  /** What the engine would use right after `podman logout HOST`. */
  afterPodmanLogout: { outcome: Outcome; winner: CredentialSource | undefined };
  /** What goes to the token endpoint. */
  sends: Sent;
  /** `ambiguous`: the keys the engine picks from at random. */
  candidates: CredentialSource[];
  /** The answer of the winning helper, when it was asked. */
  helperAnswer: HelperAnswer | undefined;
}

interface Decision {
  outcome: Outcome;
  winner: CredentialSource | undefined;
  error: EffectiveCredential['error'];
  passedOver: SkippedSource[];
  candidates?: CredentialSource[];
  answer?: HelperAnswer;
}

/** How a simulation changes the files: entries removed, helpers that now answer "not found". */
interface Changes {
  removed: (source: CredentialSource) => boolean;
  emptyHelper: (source: CredentialSource) => boolean;
  answers: ReadonlyMap<string, HelperAnswer>;
}
const NO_CHANGES: Changes = {
  removed: () => false,
  emptyHelper: () => false,
  answers: new Map(),
};

function answerFor(
  source: CredentialSource,
  host: string,
  changes: Changes,
): HelperAnswer | undefined {
  if (source.helper === undefined) return undefined;
  if (changes.emptyHelper(source)) return { state: 'not-found' };
  return changes.answers.get(helperKey(source.helper, host));
}

/** What a basic entry makes podman send (no file fallback either way). */
function entrySends(entry: AuthEntry): string {
  if (entry.hasIdentityToken) return `identity\0${entry.identityToken()}`;
  const user = entry.user ?? '';
  const password = entry.password() ?? '';
  return user !== '' && password !== ''
    ? `basic\0${user}\0${password}`
    : 'nothing';
}

/** What podman does with one file's first matching source: a decision, or undefined to go on. */
function podmanPerSource(source: CredentialSource): string {
  const entry = source.entry;
  if (entry?.kind === 'basic') return entrySends(entry);
  if (entry?.problem === 'not-base64') return 'error';
  return 'next';
}

function fileError(file: AuthFileState): string | undefined {
  return file.state === 'corrupt' || file.state === 'unreadable'
    ? file.reason
    : undefined;
}

function decidePodman(
  files: readonly AuthFileState[],
  all: CredentialSource[][],
  changes: Changes,
  host: string,
): Decision {
  const passedOver: SkippedSource[] = [];
  const stop = (
    file: AuthFileRef,
    key: string | undefined,
    reason: string,
    helper?: string,
  ) => ({
    outcome: 'error' as const,
    winner: undefined,
    error: { file, key, reason, ...(helper ? { helper } : {}) },
    passedOver,
  });
  for (const [i, file] of files.entries()) {
    if (file.state === 'absent' && file.ref.mustExist)
      return stop(
        file.ref,
        undefined,
        `stat ${file.path}: no such file or directory (podman stats ${file.ref.why} before every pull)`,
      );
    const problem = fileError(file);
    if (problem !== undefined) return stop(file.ref, undefined, problem);
    const sources = (all[i] ?? []).filter((s) => !changes.removed(s));
    const first = sources[0];
    if (!first) continue;
    if (first.helper !== undefined) {
      const answer = answerFor(first, host, changes);
      if (answer === undefined || answer.state === 'found')
        return {
          outcome: 'helper',
          winner: first,
          error: undefined,
          passedOver,
          ...(answer ? { answer } : {}),
        };
      if (answer.state === 'failed')
        return stop(file.ref, first.key, answer.reason, first.helper);
      // A helper with nothing stored ends this file's lookup; podman goes on with the next file.
      passedOver.push({
        ...first,
        reason: `docker-credential-${first.helper} has nothing for ${host}: podman goes on with the next file`,
      });
      continue;
    }
    if (first.ambiguous) {
      const tied = sources.filter((s) => s.ambiguous);
      const verdicts = new Set(tied.map(podmanPerSource));
      if (verdicts.size > 1)
        return {
          outcome: 'ambiguous',
          winner: undefined,
          error: undefined,
          passedOver,
          candidates: tied,
        };
    }
    const entry = first.entry;
    if (entry?.kind === 'basic')
      return { outcome: 'entry', winner: first, error: undefined, passedOver };
    if (entry?.problem === 'not-base64')
      return stop(
        file.ref,
        first.key,
        `${file.ref.path}: auths key ${JSON.stringify(first.key)}: ${problemText(entry.problem)}`,
      );
    const reason =
      entry?.kind === 'placeholder'
        ? '{} placeholder: podman finds no credential in it and goes on with the next file'
        : entry?.kind === 'identity-token'
          ? 'identity token without "auth": podman ignores it and goes on with the next file'
          : `${problemText(entry?.problem)}: podman skips it (with a warning) and goes on with the next file`;
    passedOver.push({ ...first, reason });
  }
  return { outcome: 'none', winner: undefined, error: undefined, passedOver };
}

function decideDocker(
  files: readonly AuthFileState[],
  all: CredentialSource[][],
  changes: Changes,
  host: string,
): Decision {
  const passedOver: SkippedSource[] = [];
  // docker reads one file: config.json; the legacy ~/.dockercfg only while config.json is missing.
  const index = files.findIndex(
    (f) =>
      f.state !== 'absent' &&
      (f.ref.readOnlyWhenMissing === undefined ||
        !files.some(
          (o) => o.path === f.ref.readOnlyWhenMissing && o.state !== 'absent',
        )),
  );
  if (index === -1)
    return { outcome: 'none', winner: undefined, error: undefined, passedOver };
  const file = files[index];
  if (!file)
    return { outcome: 'none', winner: undefined, error: undefined, passedOver };
  const problem = fileError(file);
  if (problem !== undefined) {
    return {
      outcome: 'error',
      winner: undefined,
      error: {
        file: file.ref,
        key: undefined,
        reason: `${problem} (docker warns and ignores the whole file)`,
      },
      passedOver,
    };
  }
  if (file.state === 'ok') {
    const broken = file.entries.find((e) => e.kind === 'invalid');
    if (broken) {
      return {
        outcome: 'error',
        winner: undefined,
        error: {
          file: file.ref,
          key: broken.key,
          reason: `${file.path}: auths key ${JSON.stringify(broken.key)}: ${problemText(broken.problem)} (docker ignores the whole file)`,
        },
        passedOver,
      };
    }
  }
  // docker does not fall back from a helper that has nothing: it pulls anonymously.
  const first = (all[index] ?? []).filter((s) => !changes.removed(s))[0];
  if (!first)
    return { outcome: 'none', winner: undefined, error: undefined, passedOver };
  if (first.helper !== undefined) {
    const answer = answerFor(first, host, changes);
    if (answer?.state === 'failed')
      return {
        outcome: 'error',
        winner: undefined,
        error: {
          file: file.ref,
          key: first.key,
          reason: answer.reason,
          helper: first.helper,
        },
        passedOver,
      };
    if (answer?.state === 'not-found') {
      passedOver.push({
        ...first,
        reason: `docker-credential-${first.helper} has nothing for ${host}: docker sends no credentials`,
      });
      return {
        outcome: 'none',
        winner: undefined,
        error: undefined,
        passedOver,
      };
    }
    return {
      outcome: 'helper',
      winner: first,
      error: undefined,
      passedOver,
      ...(answer ? { answer } : {}),
    };
  }
  if (first.entry?.kind === 'placeholder') {
    passedOver.push({
      ...first,
      reason:
        '{} placeholder but no credential helper configured: docker sends no credentials',
    });
    return { outcome: 'none', winner: undefined, error: undefined, passedOver };
  }
  return { outcome: 'entry', winner: first, error: undefined, passedOver };
}

/** What the decision puts on the wire. */
function sentBy(decision: Decision): Sent {
  switch (decision.outcome) {
    case 'error':
      return { kind: 'fails' };
    case 'none':
      return { kind: 'nothing' };
    case 'ambiguous':
      return { kind: 'ambiguous' };
    case 'helper': {
      const answer = decision.answer;
      if (answer?.state !== 'found') return { kind: 'unasked' };
      if (answer.user === '<token>')
        return { kind: 'identity-token', secret: answer.secret };
      return answer.user !== '' && answer.secret() !== ''
        ? { kind: 'basic', user: answer.user, secret: answer.secret }
        : { kind: 'nothing' };
    }
    case 'entry': {
      const entry = decision.winner?.entry;
      if (!entry) return { kind: 'nothing' };
      const token = entry.identityToken();
      if (token !== undefined)
        return { kind: 'identity-token', secret: () => token };
      const user = entry.user ?? '';
      const password = entry.password() ?? '';
      return user !== '' && password !== ''
        ? { kind: 'basic', user, secret: () => password }
        : { kind: 'nothing' };
    }
  }
}

/** `podman logout HOST` removes `auths[HOST]` and erases `credHelpers[HOST]` in the primary file only. */
function reachableByPodmanLogout(
  source: CredentialSource,
  host: string,
): boolean {
  if (!source.file.readByPodmanLogout) return false;
  if (source.how === 'credsStore') return false;
  return source.key === host;
}

/**
 * The credential `engine` would use for `host/repository`, given the files in the order the engine reads
 * them (`readAuthFiles(authFileCandidates(...))`). Credential helpers are not run: a helper winner says
 * which helper would be asked.
 */
export function effectiveCredential(
  files: readonly AuthFileState[],
  host: string,
  repository?: string,
  options: LookupOptions = {},
): EffectiveCredential {
  const engine = options.engine ?? 'podman';
  const repo = cleanRepository(repository);
  const all = files.map((f) => matchingSources(f, host, repo, { engine }));
  const decide = engine === 'docker' ? decideDocker : decidePodman;
  const answers = options.helperAnswers ?? new Map<string, HelperAnswer>();
  const decision = decide(files, all, { ...NO_CHANGES, answers }, host);

  const flat = all.flat();
  const passed = new Set(
    decision.passedOver.map((p) => `${p.file.path}\0${p.key}`),
  );
  if (decision.error?.key !== undefined)
    passed.add(`${decision.error.file.path}\0${decision.error.key}`);
  for (const c of decision.candidates ?? [])
    passed.add(`${c.file.path}\0${c.key}`);
  const shadowed = flat.filter(
    (s) => s !== decision.winner && !passed.has(`${s.file.path}\0${s.key}`),
  );
  const unreachableByPodmanLogout = flat.filter(
    (s) => !reachableByPodmanLogout(s, host),
  );
  // logout deletes auths[HOST] from the primary file; a credHelpers[HOST] entry stays, but its helper's
  // secret is erased, so the helper then answers "not found".
  const after = decide(
    files,
    all,
    {
      removed: (s) =>
        reachableByPodmanLogout(s, host) && s.how !== 'credHelpers',
      emptyHelper: (s) =>
        reachableByPodmanLogout(s, host) && s.how === 'credHelpers',
      answers,
    },
    host,
  );
  return {
    engine,
    host,
    repository: repo,
    outcome: decision.outcome,
    winner: decision.winner,
    error: decision.error,
    passedOver: decision.passedOver,
    shadowed,
    unreachableByPodmanLogout,
    afterPodmanLogout: { outcome: after.outcome, winner: after.winner },
    sends: sentBy(decision),
    candidates: decision.candidates ?? [],
    helperAnswer: decision.answer,
  };
}

/**
 * effectiveCredential, asking each credential helper the engine reaches (and only those), in the
 * engine's order: a helper with nothing makes podman go on with the next file.
 */
export async function resolveCredential(
  files: readonly AuthFileState[],
  host: string,
  repository: string | undefined,
  options: { engine?: Engine; ask: AskHelper },
): Promise<EffectiveCredential> {
  const answers = new Map<string, HelperAnswer>();
  for (;;) {
    const effective = effectiveCredential(files, host, repository, {
      ...(options.engine ? { engine: options.engine } : {}),
      helperAnswers: answers,
    });
    const helper = effective.winner?.helper;
    if (effective.outcome !== 'helper' || helper === undefined)
      return effective;
    const key = helperKey(helper, host);
    if (answers.has(key)) return effective;
    answers.set(key, await options.ask(helper, host));
  }
}
