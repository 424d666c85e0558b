/**
 * Every kind of finding qci doctor reports, in one table: which check reports it, how severe it is, the
 * sentence that says why, the command that fixes it, and whether `qci doctor --fix` applies that fix.
 * A check names a kind and the facts it found (`found('auth.expired', { key, file, usedBy, masked })`);
 * the words live here.
 */
import { HELPER_BINARY } from '../auth/credential-helper.js';
import {
  LOGIN_HINT,
  QCI_ACCESS_HINT,
  withBrowserLogin,
} from '../core/appci.js';
import { explainCause, unreachableCause } from '../core/causes.js';
import { APP_CI_REGISTRY, DECOMMISSIONED_REGISTRY } from '../core/reference.js';
import type { EngineName } from '../engine/engine.js';
import type { PullSecretView } from '../session/pull-secret-check.js';

import type { Finding, Severity, Subject } from './finding.js';

export type { Finding, Severity, Subject } from './finding.js';

interface Kind<A> {
  check: string | ((a: A) => string);
  /** The id in the report, when it is not the kind's name (variants of one id, ids made of facts). */
  id?: string | ((a: A) => string);
  severity: Severity | ((a: A) => Severity);
  detail: (a: A) => string;
  fix?: string | ((a: A) => string | null);
  autoFix?: boolean;
}

const kind = <A>(k: Kind<A>): Kind<A> => k;

/** An auth entry: its key, its file (as shown), and the engines that send it. */
interface At {
  key: string;
  file: string;
  usedBy: readonly EngineName[];
}

const where = (a: { key: string; file: string }) => `${a.key} in ${a.file}`;
const role = ({ usedBy }: At) =>
  usedBy.length > 0
    ? `${usedBy.join(' and ')} send${usedBy.length === 1 ? 's' : ''} it`
    : 'nothing sends it now (another entry comes first)';
/** A dead entry breaks pulls when an engine sends it; one behind another entry only waits its turn. */
const sentIsError = ({ usedBy }: At): Severity =>
  usedBy.length ? 'error' : 'warn';
const logout = (a: { key: string; file: string }) =>
  `podman logout --authfile ${a.file} ${a.key}`;

/** A credential helper an engine asks for QCI: `credHelpers docker-credential-NAME in FILE`. */
interface Helper {
  how: 'credHelpers' | 'credsStore';
  helper: string;
  file: string;
  host: string;
  engine: EngineName;
}
const label = (a: Helper) =>
  `${a.how} docker-credential-${a.helper} in ${a.file}`;
/** docker-credential-qci, registered by `qci login --helper` in FILE. */
const own = (a: { file: string; host: string }) =>
  `${a.file} sends ${a.host} to ${HELPER_BINARY}`;
const RELOGIN = 'qci logout && qci login';
/** The credential an engine sends to the registry, and where it is kept. */
interface Sends {
  host: string;
  where: string;
  engine: EngineName;
}
const FIX_OR_RELOGIN = `qci doctor --fix (or: ${RELOGIN})`;
const RETRY = (a: { host: string }) =>
  `try again later; if it persists, the registry ${a.host} is not answering as QCI does`;

const engines = {
  'engine.podman': kind({
    check: 'engines',
    severity: 'ok',
    detail: (a: { version: string | undefined }) =>
      `podman ${a.version ?? '(version unknown)'} is installed`,
  }),
  'engine.podman-old': kind({
    check: 'engines',
    severity: 'info',
    detail: (a: { version: string | undefined; readsOn: boolean }) =>
      `podman ${a.version} is older than 4.8: with DOCKER_CONFIG set, \`podman login\` rewrites $DOCKER_CONFIG/config.json, dropping keys such as credsStore` +
      (a.readsOn
        ? '; and older than 4.4: after --authfile (or REGISTRY_AUTH_FILE) it still reads ~/.config/containers/auth.json and ~/.docker/config.json, where podman 4.4 and later read that file alone'
        : ''),
  }),
  'engine.docker': kind({
    check: 'engines',
    severity: 'info',
    detail: (_: object) =>
      'docker is installed; its ~/.docker/config.json is read by podman too',
  }),
  'engine.none': kind({
    check: 'engines',
    severity: 'error',
    detail: (_: object) =>
      'neither podman nor docker is installed, so nothing can pull',
    fix: 'install podman (apt-get install podman / dnf install podman)',
  }),
};

const appci = {
  'kube.error': kind({
    check: 'app.ci',
    id: (a: { kind: string }) => `kube.${a.kind}`,
    severity: 'error',
    detail: (a: { kind: string; message: string; hint?: string }) => a.message,
    fix: (a) => a.hint ?? LOGIN_HINT,
  }),
  'kube.identity': kind({
    check: 'app.ci',
    severity: 'ok',
    detail: (a: { context: string; foundBy: string; user: string }) =>
      `app.ci context "${a.context}" (${a.foundBy}) logs you in as ${a.user}`,
  }),
  'kube.token-expiring': kind({
    check: 'app.ci',
    severity: 'warn',
    detail: (a: { token: string; expiry: string | null }) =>
      `the app.ci token ${a.token} ${a.expiry}; every QCI credential made from it stops working then`,
    fix: LOGIN_HINT,
  }),
  'kube.token': kind({
    check: 'app.ci',
    severity: 'ok',
    detail: (a: { token: string; expiry: string | null }) =>
      `the app.ci token ${a.token} ${a.expiry}`,
  }),
  'kube.token-unreadable': kind({
    check: 'app.ci',
    id: 'kube.token',
    severity: 'ok',
    detail: (a: { token: string }) =>
      `the app.ci token ${a.token} is valid (its expiry is not readable)`,
  }),
  'kube.access': kind({
    check: 'app.ci',
    severity: 'ok',
    detail: (a: { user: string }) => `${a.user} may pull from QCI`,
  }),
  'kube.access-denied': kind({
    check: 'app.ci',
    id: 'kube.access',
    severity: 'error',
    detail: (a: { user: string }) =>
      `${a.user} may not pull from QCI (app.ci denies get imagestreams/layers in ocp)`,
    fix: QCI_ACCESS_HINT,
  }),
};

const entries = {
  'auth.corrupt': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: { reason: string; engine: EngineName; file: string }) =>
      `${a.reason}: ${a.engine} fails while it reads this file`,
    fix: (a) => `fix the JSON in ${a.file}, or move it away`,
  }),
  'auth.credsstore': kind({
    check: 'auth files',
    severity: 'info',
    detail: (a: { file: string; store: string }) =>
      `${a.file} keeps docker's secrets in docker-credential-${a.store} (credsStore); podman ignores credsStore`,
  }),
  'auth.identity-token': kind({
    check: 'auth files',
    severity: sentIsError,
    detail: (a: At) =>
      `${where(a)} holds an identity token: podman sends it (an OAuth2 refresh-token grant), not the password, and QCI accepts only user:password; ${role(a)}`,
    fix: (a) => `${logout(a)} && qci login`,
    autoFix: true,
  }),
  'auth.unusable': kind({
    check: 'auth files',
    severity: sentIsError,
    detail: (a: At & { described: string; dockerPlaceholder?: boolean }) =>
      `${where(a)} has no usable user:password (${a.described}); ${role(a)}`,
    // docker's `{}` placeholder in its config.json: docker's own logout removes it (docker/cli
    // `cli/command/registry/logout.go` also removes the host's http:// and https:// keys).
    fix: (a) => (a.dockerPlaceholder ? `docker logout ${a.key}` : logout(a)),
    autoFix: true,
  }),
  'auth.expired': kind({
    check: 'auth files',
    severity: sentIsError,
    detail: (a: At & { masked: string; unreachable: boolean }) =>
      `${where(a)} holds an expired or revoked app.ci token (${a.masked}); ${role(a)}${
        a.unreachable
          ? "; `podman logout` does not remove it (it is not in podman's primary file), so it keeps breaking pulls"
          : ''
      }`,
    fix: logout,
    autoFix: true,
  }),
  'auth.other-user': kind({
    check: 'auth files',
    severity: 'warn',
    detail: (a: At) =>
      `${where(a)} holds another user's valid app.ci token; ${role(a)}`,
    fix: logout,
  }),
  'auth.unchecked': kind({
    check: 'auth files',
    severity: 'info',
    detail: (a: At & { why: string }) =>
      `${where(a)}: qci could not check its token (${a.why}); ${role(a)}`,
  }),
  'auth.valid': kind({
    check: 'auth files',
    severity: 'ok',
    detail: (a: At & { current: boolean }) =>
      `${where(a)} holds a valid app.ci token${a.current ? " (your kube context's)" : ''}; ${role(a)}`,
  }),
  'auth.unreachable-by-logout': kind({
    check: 'auth files',
    severity: 'info',
    detail: (a: { key: string; file: string }) =>
      `${where(a)} is outside podman's primary file: \`podman logout\` will not remove it`,
  }),
  'auth.authfile-missing': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: { path: string }) =>
      `--authfile ${a.path} does not exist: \`podman --authfile ${a.path} pull\` stats it first and fails before sending anything ("Error: stat ${a.path}: no such file or directory", exit 125)`,
    fix: (a) => `qci login --authfile ${a.path}`,
    autoFix: true,
  }),
  'auth.pull-secret': kind({
    check: 'auth files',
    id: (a: PullSecretView) =>
      a.expiresSoon ? 'auth.pull-secret-expiring' : 'auth.pull-secret',
    severity: (a) => (a.expiresSoon ? 'warn' : 'ok'),
    detail: (a) =>
      `${a.file} is a pull secret for ${a.registries.length} registries; ${a.key} holds ${a.owner ? `${a.owner}'s token` : 'a token of unknown owner'}, ${a.expiry ?? 'expiry unknown'}`,
    fix: (a) => (a.expiresSoon ? a.renew : null),
  }),
  'auth.authfile-fallback': kind({
    check: 'auth files',
    severity: 'warn',
    detail: (a: { path: string; key: string; file: string; why: string }) =>
      `--authfile ${a.path} holds nothing podman sends for QCI, so podman reads on: it sends ${where(a)} (${a.why}); podman 4.4 and later read only --authfile and send nothing`,
    fix: (a) => `qci login --authfile ${a.path}`,
  }),
  'auth.none.podman': kind({
    check: 'auth files',
    severity: 'warn',
    detail: (a: { host: string }) =>
      `podman has no credential for ${a.host}: its pulls from QCI fail with "unauthorized"`,
    fix: 'qci login',
    autoFix: true,
  }),
  'auth.none.docker': kind({
    check: 'auth files',
    severity: 'info',
    detail: (a: { host: string }) =>
      `docker has no credential for ${a.host}: its pulls from QCI fail with "unauthorized"`,
    fix: 'qci login --engine docker',
  }),
};

const helpers = {
  'auth.ambiguous': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: {
      file: string;
      host: string;
      keys: string[];
      engine: EngineName;
    }) =>
      `${a.file} holds ${a.keys.length} URL-form keys for ${a.host} (${a.keys.join(', ')}) that send different things: ${a.engine} picks one at random on each pull`,
    fix: (a) =>
      `${a.keys.map((key) => logout({ key, file: a.file })).join(' && ')} && qci login`,
  }),
  'auth.helper-failed': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: Helper & { reason: string }) => `${label(a)}: ${a.reason}`,
    fix: (a) =>
      `install docker-credential-${a.helper}, or remove credHelpers["${a.host}"] from ${a.file}`,
  }),
  'auth.helper-identity-token': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: Helper) =>
      `${label(a)} answers for ${a.host} with an identity token: ${a.engine} sends it as an OAuth2 refresh-token grant, which QCI does not accept`,
    fix: FIX_OR_RELOGIN,
    autoFix: true,
  }),
  'auth.helper-empty': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: Helper) =>
      `${label(a)} answers for ${a.host} with an empty user name or secret: ${a.engine} sends no credential`,
    fix: RELOGIN,
  }),
  'auth.helper-expired': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: Helper & { masked: string }) =>
      `${label(a)} answers for ${a.host} with an expired or revoked app.ci token (${a.masked}); ${a.engine} sends it`,
    fix: FIX_OR_RELOGIN,
    autoFix: true,
  }),
  'auth.helper-other-user': kind({
    check: 'auth files',
    severity: 'warn',
    detail: (a: Helper & { masked: string }) =>
      `${label(a)} answers for ${a.host} with another user's valid app.ci token (${a.masked}); ${a.engine} sends it`,
    fix: RELOGIN,
  }),
  'auth.helper': kind({
    check: 'auth files',
    severity: (a: { unchecked: boolean }) => (a.unchecked ? 'info' : 'ok'),
    detail: (a: Helper & { masked: string; unchecked: boolean }) =>
      `${label(a)} answers for ${a.host} with ${a.unchecked ? 'a token qci could not check (app.ci unreachable)' : 'a valid app.ci token'} (${a.masked}); ${a.engine} sends it`,
  }),
  'auth.own-helper-missing': kind({
    check: 'auth files',
    id: 'auth.helper-missing',
    severity: 'error',
    detail: (a: { file: string; host: string }) =>
      `${own(a)}, which is not on PATH: podman fails every pull from QCI`,
    fix: 'npm install -g . in the qci checkout (or put its bin/ on PATH), or: qci logout --helper',
  }),
  'auth.own-helper-no-token': kind({
    check: 'auth files',
    id: 'auth.helper-no-token',
    severity: 'error',
    detail: (a: { file: string; host: string; reason: string }) =>
      `${own(a)}, which has no token to answer with: ${a.reason}`,
    fix: LOGIN_HINT,
  }),
  'auth.own-helper-expired': kind({
    check: 'auth files',
    id: 'auth.helper-expired',
    severity: 'error',
    detail: (a: {
      file: string;
      host: string;
      source: string;
      masked: string;
    }) =>
      `${own(a)}, which answers with the token of ${a.source} (${a.masked}): it has expired or was revoked`,
    fix: LOGIN_HINT,
  }),
  'auth.own-helper': kind({
    check: 'auth files',
    id: 'auth.helper',
    severity: 'ok',
    detail: (a: {
      file: string;
      host: string;
      source: string;
      unchecked: boolean;
    }) =>
      `${own(a)}, which answers with the token of ${a.source}${a.unchecked ? ' (not checked: app.ci unreachable)' : ''}`,
  }),
};

const environment = {
  'env.registry-auth-file': kind({
    check: 'environment',
    severity: 'error',
    detail: (a: { path: string }) =>
      `REGISTRY_AUTH_FILE points at ${a.path}, which does not exist: podman fails every pull ("no such file or directory")`,
    fix: (a) => `echo '{}' > ${a.path}   # or: unset REGISTRY_AUTH_FILE`,
  }),
  'env.docker-config': kind({
    check: 'environment',
    severity: 'error',
    detail: (a: { dir: string }) =>
      `DOCKER_CONFIG is ${a.dir} but it holds no config.json: podman fails every pull`,
    fix: (a) =>
      `mkdir -p ${a.dir} && echo '{}' > ${a.dir}/config.json   # or: unset DOCKER_CONFIG`,
  }),
  'env.xdg-runtime-dir-unset': kind({
    check: 'environment',
    id: 'env.xdg-runtime-dir',
    severity: 'warn',
    detail: (a: { uid: number }) =>
      `XDG_RUNTIME_DIR is not set: podman keeps logins in /run/containers/${a.uid}/auth.json, which a reboot clears`,
    fix: 'log in through a login session (ssh, or machinectl shell), or set XDG_RUNTIME_DIR',
  }),
  'env.xdg-runtime-dir-missing': kind({
    check: 'environment',
    id: 'env.xdg-runtime-dir',
    severity: 'warn',
    detail: (a: { dir: string }) =>
      `XDG_RUNTIME_DIR is ${a.dir}, which does not exist: podman login creates it, and it may not survive a logout`,
    fix: (a) => `mkdir -m 700 -p ${a.dir}`,
  }),
};

const oldRegistries = {
  'old.auth-decommissioned': kind({
    check: 'old registries',
    severity: 'warn',
    detail: (a: { key: string; file: string }) =>
      `${where(a)} is for ${DECOMMISSIONED_REGISTRY}, which is decommissioned`,
    fix: logout,
    autoFix: true,
  }),
  'old.auth-internal': kind({
    check: 'old registries',
    severity: 'info',
    detail: (a: { key: string; file: string }) =>
      `${where(a)} is for ${APP_CI_REGISTRY}, app.ci's internal registry; CI users pull from QCI`,
  }),
  'old.image': kind({
    check: 'old registries',
    severity: 'info',
    detail: (a: { name: string }) =>
      `the local image ${a.name} comes from ${a.name.split('/')[0]}; its QCI pull spec is what to use now`,
    fix: (a) => `qci pullspec ${a.name}`,
  }),
};

const registry = {
  'registry.unreachable': kind({
    check: 'registry',
    severity: 'error',
    detail: (a: { message: string }) => a.message,
    fix: (a) => unreachableFix(a.message),
  }),
  // Not being able to check is a finding (registry.unchecked), never a silent pass.
  'registry.busy': kind({
    check: 'registry',
    id: 'registry.unchecked',
    severity: 'error',
    detail: (a: { host: string; status: number; url: string }) =>
      `${a.host} answers HTTP ${a.status} (${a.url}): qci cannot check it or your credential, and pulls fail while it does`,
    fix: RETRY,
  }),
  'registry.no-challenge': kind({
    check: 'registry',
    id: 'registry.unchecked',
    severity: 'error',
    detail: (a: { host: string; url: string; engine: EngineName }) =>
      `${a.host} answers HTTP 401 without a WWW-Authenticate challenge (${a.url}): qci cannot check your credential, and ${a.engine} cannot log in to it`,
    fix: RETRY,
  }),
  'registry.token-service-failed': kind({
    check: 'registry',
    id: 'registry.unchecked',
    severity: 'error',
    detail: (a: Sends & { status: number }) =>
      `${a.host} could not check the credential ${a.engine} sends (${a.where}): its token service answered HTTP ${a.status}`,
    fix: RETRY,
  }),
  'registry.no-token-service': kind({
    check: 'registry',
    id: 'registry.unchecked',
    severity: 'error',
    detail: (a: Sends & { status: number }) =>
      `${a.host} names no token service (HTTP ${a.status} without a Bearer challenge): qci cannot check the credential ${a.engine} sends (${a.where})`,
    fix: RETRY,
  }),
  'registry.reachable': kind({
    check: 'registry',
    severity: 'ok',
    detail: (a: { host: string; url: string; status: number }) =>
      `${a.host} answers (${a.url}: HTTP ${a.status})`,
  }),
  'registry.credential-accepted': kind({
    check: 'registry',
    id: 'registry.credential',
    severity: 'ok',
    detail: (a: Sends) =>
      `${a.host} accepts the credential ${a.engine} sends (${a.where})`,
  }),
  'registry.credential-denied': kind({
    check: 'registry',
    id: 'registry.credential',
    severity: 'error',
    detail: (a: Sends) =>
      `${a.host} refuses the credential ${a.engine} sends (${a.where}): access denied`,
    fix: QCI_ACCESS_HINT,
  }),
  'registry.credential-rejected': kind({
    check: 'registry',
    id: 'registry.credential',
    severity: 'error',
    detail: (a: Sends & { status: number; authfile?: string | undefined }) =>
      `${a.host} rejects the credential ${a.engine} sends (${a.where}, HTTP ${a.status})`,
    // `qci logout && qci login` would not touch a file given with --authfile (a pull secret among them).
    fix: (a) =>
      a.authfile
        ? `qci doctor --authfile ${a.authfile} --fix (or: qci login --authfile ${a.authfile})`
        : FIX_OR_RELOGIN,
    autoFix: true,
  }),
};

/** What the runner says of a check itself: it ran out of time, or threw. */
const runner = {
  'check.timeout': kind({
    check: (a: { check: string }) => a.check,
    id: (a) => `${a.check}.timeout`,
    severity: 'warn',
    detail: (a: { check: string; seconds: number }) =>
      `the ${a.check} check did not finish within ${a.seconds} s`,
  }),
  'check.failed': kind({
    check: (a: { check: string }) => a.check,
    id: (a) => `${a.check}.failed`,
    severity: 'warn',
    detail: (a: { check: string; message: string }) =>
      `the ${a.check} check failed: ${a.message}`,
  }),
};

export const CATALOGUE = {
  ...engines,
  ...appci,
  ...entries,
  ...helpers,
  ...environment,
  ...oldRegistries,
  ...registry,
  ...runner,
};

export type KindName = keyof typeof CATALOGUE;
export type FactsOf<K extends KindName> =
  (typeof CATALOGUE)[K] extends Kind<infer A> ? A : never;

const apply = <A, T>(v: T | ((a: A) => T), a: A): T =>
  typeof v === 'function' ? (v as (a: A) => T)(a) : v;

/** The finding of kind `name` for the facts a check found (and, for --fix, what it is about). */
export function found<K extends KindName>(
  name: K,
  facts: FactsOf<K>,
  subject?: Subject,
): Finding {
  const k = CATALOGUE[name] as unknown as Kind<FactsOf<K>>;
  return {
    id: apply(k.id ?? name, facts),
    check: apply(k.check, facts),
    severity: apply(k.severity, facts),
    detail: k.detail(facts),
    fix: k.fix === undefined ? null : apply(k.fix, facts),
    autoFix: k.autoFix ?? false,
    ...(subject ? { subject } : {}),
  };
}

/**
 * What to do about a registry qci cannot reach: a name that does not resolve, a refused or silent
 * connection is the network's (or the VPN's); plain HTTP or an untrusted certificate may be a local
 * test registry's.
 */
function unreachableFix(message: string): string {
  const cause = unreachableCause(message);
  // 'refused' is also unreachableCause's guess for words it does not know.
  const guessed = cause === 'refused' && !/refused/.test(message);
  if (
    !guessed &&
    (cause === 'dns' || cause === 'refused' || cause === 'timeout')
  )
    return explainCause(cause, '').fix;
  return 'check your network or VPN; for a local test registry, QCI_TLS_VERIFY=false';
}

/** app.ci's findings that mean there is no app.ci login to log in with (no kubeconfig, no context). */
const NO_APPCI = new Set(['kube.no-kubeconfig', 'kube.no-context']);

/**
 * Fixes that can work: without a kubeconfig or an app.ci context, `qci login` fails at once, so every
 * fix that logs in is the browser login (`qci login --web`), which `--fix` does not run for you.
 */
export function fixesThatCanWork(findings: readonly Finding[]): Finding[] {
  if (!lacksAppCiLogin(findings)) return [...findings];
  return findings.map((f) =>
    f.fix && withBrowserLogin(f.fix) !== f.fix && !NO_APPCI.has(f.id)
      ? {
          ...f,
          fix: withBrowserLogin(f.fix),
          autoFix: f.subject ? f.autoFix : false,
        }
      : f,
  );
}

/** The findings say there is no app.ci login here: `qci login` cannot work, only `qci login --web`. */
export const lacksAppCiLogin = (findings: readonly Finding[]): boolean =>
  findings.some((f) => NO_APPCI.has(f.id));

/** A finding as the report shows it (--json): without what --fix needs to know. */
export function shown({ subject: _, ...finding }: Finding): Finding {
  return finding;
}
