/**
 * Which stored credential an engine would send for `host/repository`, and what that choice hides: the
 * sources it never reaches, and what `podman logout HOST` would leave. The engines' own rules are
 * their keychains (keychain.ts): podman-keychain.ts and docker-keychain.ts.
 */
import type { AuthFileRef, Engine } from './discovery.js';
import { dockerKeychain } from './docker-keychain.js';
import type { AuthFileState } from './file.js';
import {
  type Changes,
  type CredentialSource,
  type DecisionError,
  type Decision,
  type EngineKeychain,
  type HelperAnswer,
  helperKey,
  NO_CHANGES,
  type Outcome,
  type SkippedSource,
} from './keychain.js';
import { cleanRepository } from './keys.js';
import { podmanKeychain } from './podman-keychain.js';

export {
  helperKey,
  type CredentialSource,
  type HelperAnswer,
  type MatchHow,
  type Outcome,
  type SkippedSource,
} from './keychain.js';

/** Asks a helper as the engine does (the caller runs the process). */
export type AskHelper = (helper: string, host: string) => Promise<HelperAnswer>;

export interface LookupOptions {
  engine?: Engine;
  /** Helpers already asked (`helperKey`): their answers decide instead of "a helper is asked". */
  helperAnswers?: ReadonlyMap<string, HelperAnswer>;
}

function keychainFor(engine: Engine | undefined): EngineKeychain {
  return engine === 'docker' ? dockerKeychain : podmanKeychain;
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
  if (file.state !== 'ok') return [];
  const repo = cleanRepository(repository);
  return keychainFor(options.engine).sources(file, host, repo);
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
  error: DecisionError | undefined;
  /** Matching entries the engine looked at and passed over ({} placeholders, entries without user:password). */
  passedOver: SkippedSource[];
  /** Matching sources the engine never reaches because of the winner (or the error): later files, less specific keys. */
  shadowed: CredentialSource[];
  /**
   * Matching sources `podman logout HOST` would leave in place: everything outside the primary file
   * (seen with podman 4.3.1: a stale token in ~/.docker/config.json survives it), per-repository and URL keys
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
  /** A file the engine warned about and went on without (docker and a corrupt config.json). */
  ignored: { file: AuthFileRef; reason: string } | undefined;
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

/** The matching sources the decision never reaches: neither its winner, nor passed over, nor a candidate. */
function shadowedBy(
  decision: Decision,
  flat: CredentialSource[],
): CredentialSource[] {
  const passed = new Set(
    decision.passedOver.map((p) => `${p.file.path}\0${p.key}`),
  );
  if (decision.error?.key !== undefined)
    passed.add(`${decision.error.file.path}\0${decision.error.key}`);
  for (const c of decision.candidates ?? [])
    passed.add(`${c.file.path}\0${c.key}`);
  return flat.filter(
    (s) => s !== decision.winner && !passed.has(`${s.file.path}\0${s.key}`),
  );
}

/**
 * The files as `podman logout HOST` leaves them: it deletes auths[HOST] from the primary file; a
 * credHelpers[HOST] entry stays, but its helper's secret is erased, so the helper then answers "not found".
 */
function afterPodmanLogout(
  host: string,
  answers: ReadonlyMap<string, HelperAnswer>,
): Changes {
  return {
    removed: (s) => reachableByPodmanLogout(s, host) && s.how !== 'credHelpers',
    emptyHelper: (s) =>
      reachableByPodmanLogout(s, host) && s.how === 'credHelpers',
    answers,
  };
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
  const keychain = keychainFor(engine);
  const repo = cleanRepository(repository);
  const all = files.map((f) => matchingSources(f, host, repo, { engine }));
  const answers = options.helperAnswers ?? new Map<string, HelperAnswer>();
  const decision = keychain.resolve(host, files, all, {
    ...NO_CHANGES,
    answers,
  });
  const after = keychain.resolve(
    host,
    files,
    all,
    afterPodmanLogout(host, answers),
  );
  const flat = all.flat();
  return {
    engine,
    host,
    repository: repo,
    outcome: decision.outcome,
    winner: decision.winner,
    error: decision.error,
    passedOver: decision.passedOver,
    shadowed: shadowedBy(decision, flat),
    unreachableByPodmanLogout: flat.filter(
      (s) => !reachableByPodmanLogout(s, host),
    ),
    afterPodmanLogout: { outcome: after.outcome, winner: after.winner },
    sends: sentBy(decision),
    candidates: decision.candidates ?? [],
    helperAnswer: decision.answer,
    ignored: decision.ignored,
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
