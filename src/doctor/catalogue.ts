import {
  LOGIN_HINT,
  QCI_ACCESS_HINT,
  withBrowserLogin,
} from '../core/appci.js';
import { explainCause, unreachableCause } from '../core/causes.js';
import { APP_CI_REGISTRY, DECOMMISSIONED_REGISTRY } from '../core/reference.js';
import type { EngineName } from '../engine/engine.js';
import type { PullSecretView } from '../session/pull-secret-check.js';

import type { Finding, Subject } from './finding.js';
import {
  type Kind,
  kind,
  type At,
  where,
  role,
  sentIsError,
  logout,
  type Sends,
  FIX_OR_RELOGIN,
  RETRY,
} from './kind.js';
import { helpers } from './catalogue-helpers.js';

export type { Finding, Severity, Subject } from './finding.js';

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

type Unreadable = {
  reason: string;
  engine: EngineName;
  file: string;
  code: string | undefined;
};

const entries = {
  'auth.corrupt': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: { reason: string; engine: EngineName; file: string }) =>
      `${a.reason}: ${a.engine} fails while it reads this file`,
    fix: (a) => `fix the JSON in ${a.file}, or move it away`,
  }),
  // Not JSON qci could judge: the file cannot be read as one (a directory, a FIFO, no permission),
  // or it is past the size qci reads (podman reads larger files: what it sends is then not known).
  'auth.unreadable': kind({
    check: 'auth files',
    severity: (a: Unreadable) => (a.code === 'file-too-big' ? 'warn' : 'error'),
    detail: (a: Unreadable) =>
      a.code === 'file-too-big'
        ? `${a.reason}, so qci cannot tell what ${a.engine} sends from it`
        : `${a.reason}; ${a.engine} cannot read it either`,
    fix: (a) =>
      a.code === 'file-too-big'
        ? `make ${a.file} smaller (remove the entries you no longer use), or move it away`
        : a.code === 'EACCES'
          ? `let yourself read it (chmod u+rw ${a.file}), or move it away`
          : `move ${a.file} away and log in again (qci login): it is not a regular auth file`,
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
