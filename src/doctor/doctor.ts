/**
 * qci doctor: why does `podman pull` say "unauthorized"? Every check runs concurrently with its own
 * timeout and returns findings (severity, one sentence of why, the exact command that fixes it); nothing
 * here prints. `fix` applies the fixes that are safe: removing dead QCI entries (with backups), logging in.
 */
import { existsSync } from 'node:fs';
import {
  effectiveCredential,
  resolveCredential,
  podmanAuthBehaviour,
  keyBelongsToHost,
  readAuthFiles,
  removeCredentials,
  type AuthFileRef,
  type AuthFileState,
  type EffectiveCredential,
} from '../auth/index.js';
import { QciError } from '../core/errors.js';
import {
  APP_CI_REGISTRY,
  DECOMMISSIONED_REGISTRY,
  QCI_REPOSITORY_PATH,
} from '../core/reference.js';
import { maskToken } from '../core/redact.js';
import {
  classifyEngineFailure,
  type FailureCause,
} from '../engine/classify.js';
import { onPath, type EngineName } from '../engine/engine.js';
import {
  LOGIN_HINT,
  QCI_ACCESS_HINT,
  notAppCiReason,
  type AppCi,
} from '../kube/appci.js';
import { currentAppCiToken } from '../kube/current-token.js';
import { HELPER_BINARY, HELPER_NAME } from '../auth/credential-helper.js';
import { checkCredential, pingRegistry } from '../registry/ping.js';
import { tildify } from '../core/paths.js';
import {
  appCiFacts,
  candidates,
  podmanVersion,
  type AppCiFacts,
  type AuthSetup,
} from '../session/setup.js';
import { helperAsker } from '../session/ask-helper.js';

export type Severity = 'ok' | 'info' | 'warn' | 'error';

export interface Finding {
  id: string;
  /** Which check produced it (the checklist groups by this). */
  check: string;
  severity: Severity;
  /** One sentence: what is true, and why it matters. */
  detail: string;
  /** The exact command (or step) that fixes it; null when nothing needs fixing. */
  fix: string | null;
  /** `qci doctor --fix` can apply it safely. */
  autoFix: boolean;
}

export interface DoctorReport {
  registry: string;
  findings: Finding[];
  healthy: boolean;
  /** What --fix did, in order. */
  fixed: string[];
}

const finding = (
  check: string,
  id: string,
  severity: Severity,
  detail: string,
  fix: string | null = null,
  autoFix = false,
): Finding => ({
  id,
  check,
  severity,
  detail,
  fix,
  autoFix,
});

/** Shared state the checks compute once. */
interface Probe {
  setup: AuthSetup;
  version: Promise<string | undefined>;
  appci: Promise<{
    appci: AppCi | undefined;
    facts: AppCiFacts | null;
    token: string | null;
    error: QciError | null;
  }>;
  files: Promise<
    { engine: EngineName; refs: AuthFileRef[]; states: AuthFileState[] }[]
  >;
  /** Memoised app.ci verdict on a stored token. */
  tokenState(
    secret: string,
  ): Promise<'current' | 'valid' | 'other-user' | 'expired' | 'unknown'>;
}

function probe(setup: AuthSetup): Probe {
  const version = podmanVersion(setup).catch(() => undefined);
  const appci = (async () => {
    try {
      const result = await appCiFacts(setup);
      return {
        appci: result.appci,
        facts: result.facts,
        token: result.token,
        error: null,
      };
    } catch (error) {
      if (!(error instanceof QciError)) throw error;
      const fallback = await setup.connect().catch(() => undefined);
      return { appci: fallback, facts: null, token: null, error };
    }
  })();
  const files = (async () => {
    const v = await version;
    return Promise.all(
      (['podman', 'docker'] as const).map(async (engine) => {
        const refs = candidates(setup, engine, v);
        return { engine, refs, states: await readAuthFiles(refs) };
      }),
    );
  })();
  const verdicts = new Map<
    string,
    Promise<'current' | 'valid' | 'other-user' | 'expired' | 'unknown'>
  >();
  return {
    setup,
    version,
    appci,
    files,
    tokenState(secret) {
      let verdict = verdicts.get(secret);
      if (!verdict) {
        verdict = (async () => {
          const a = await appci;
          if (a.token && secret === a.token && a.facts) return 'current';
          if (!a.appci) return 'unknown';
          const p = await a.appci.probeToken(secret);
          if (p.state === 'valid')
            return a.facts && p.username !== a.facts.user
              ? 'other-user'
              : 'valid';
          return p.state === 'expired' ? 'expired' : 'unknown';
        })();
        verdicts.set(secret, verdict);
      }
      return verdict;
    },
  };
}

/** Why stored tokens could not be checked: another cluster's context (never sent there), or no answer. */
async function uncheckedWhy(p: Probe): Promise<string> {
  const { appci } = await p.appci;
  return (appci && notAppCiReason(appci.context)) ?? 'app.ci unreachable';
}

async function checkEngines(p: Probe): Promise<Finding[]> {
  const out: Finding[] = [];
  const v = await p.version;
  const podman = onPath('podman', p.setup.env);
  const docker = onPath('docker', p.setup.env);
  if (podman) {
    out.push(
      finding(
        'engines',
        'engine.podman',
        'ok',
        `podman ${v ?? '(version unknown)'} is installed`,
      ),
    );
    const behaviour = podmanAuthBehaviour(v);
    if (behaviour.known && !behaviour.loginKeepsDockerKeys) {
      out.push(
        finding(
          'engines',
          'engine.podman-old',
          'info',
          `podman ${v} is older than 4.8: with --authfile it still falls back to ~/.config/containers/auth.json and ~/.docker/config.json before 4.4, ` +
            'and with DOCKER_CONFIG set `podman login` rewrites $DOCKER_CONFIG/config.json, dropping keys such as credsStore',
        ),
      );
    }
  }
  if (docker)
    out.push(
      finding(
        'engines',
        'engine.docker',
        'info',
        'docker is installed; its ~/.docker/config.json is read by podman too',
      ),
    );
  if (!podman && !docker) {
    out.push(
      finding(
        'engines',
        'engine.none',
        'error',
        'neither podman nor docker is installed, so nothing can pull',
        'install podman (apt-get install podman / dnf install podman)',
      ),
    );
  }
  return out;
}

async function checkAppCi(p: Probe): Promise<Finding[]> {
  const a = await p.appci;
  if (a.error) {
    return [
      finding(
        'app.ci',
        `kube.${a.error.kind}`,
        'error',
        a.error.message,
        a.error.hint ?? LOGIN_HINT,
        false,
      ),
    ];
  }
  const f = a.facts!;
  const out = [
    finding(
      'app.ci',
      'kube.identity',
      'ok',
      `app.ci context "${f.context}" (${f.contextFoundBy}) logs you in as ${f.user}`,
    ),
  ];
  if (f.expiresAt) {
    const days =
      (Date.parse(f.expiresAt) - p.setup.now().getTime()) / 86_400_000;
    out.push(
      days < 3
        ? finding(
            'app.ci',
            'kube.token-expiring',
            'warn',
            `the app.ci token ${f.token} ${f.expiry}; every QCI credential made from it stops working then`,
            LOGIN_HINT,
          )
        : finding(
            'app.ci',
            'kube.token',
            'ok',
            `the app.ci token ${f.token} ${f.expiry}`,
          ),
    );
  } else {
    out.push(
      finding(
        'app.ci',
        'kube.token',
        'ok',
        `the app.ci token ${f.token} is valid (its expiry is not readable)`,
      ),
    );
  }
  out.push(
    f.qciAccess
      ? finding('app.ci', 'kube.access', 'ok', `${f.user} may pull from QCI`)
      : finding(
          'app.ci',
          'kube.access',
          'error',
          `${f.user} may not pull from QCI (app.ci denies get imagestreams/layers in ocp)`,
          QCI_ACCESS_HINT,
        ),
  );
  return out;
}

/** Every QCI entry in every file podman or docker reads, judged. */
async function checkAuthEntries(p: Probe): Promise<Finding[]> {
  const out: Finding[] = [];
  const host = p.setup.settings.registry;
  const t = (path: string) => tildify(path, p.setup.home);
  const perEngine = await p.files;
  // Helpers are asked as the engine asks them: what they answer is judged like any stored token.
  const ask = helperAsker(p.setup);
  const effective = new Map<EngineName, EffectiveCredential>(
    await Promise.all(
      perEngine.map(
        async ({ engine, states }) =>
          [
            engine,
            await resolveCredential(states, host, QCI_REPOSITORY_PATH, {
              engine,
              ask,
            }),
          ] as const,
      ),
    ),
  );
  out.push(...(await checkHelperAnswers(p, effective)));
  const podmanView = effective.get('podman')!;
  const seen = new Set<string>();
  for (const { engine, states } of perEngine) {
    for (const file of states) {
      if (seen.has(`${file.path}`)) continue;
      seen.add(file.path);
      if (file.state === 'corrupt' || file.state === 'unreadable') {
        out.push(
          finding(
            'auth files',
            'auth.corrupt',
            'error',
            `${file.reason}: ${engine} fails while it reads this file`,
            `fix the JSON in ${t(file.path)}, or move it away`,
          ),
        );
        continue;
      }
      if (file.state !== 'ok') continue;
      for (const [hostKey, helper] of Object.entries(file.credHelpers)) {
        if (!keyBelongsToHost(hostKey, host)) continue;
        if (helper === HELPER_NAME)
          out.push(...(await checkOwnHelper(p, t(file.path))));
      }
      if (file.credsStore) {
        out.push(
          finding(
            'auth files',
            'auth.credsstore',
            'info',
            `${t(file.path)} keeps docker's secrets in docker-credential-${file.credsStore} (credsStore); podman ignores credsStore`,
          ),
        );
      }
      for (const entry of file.entries) {
        if (!keyBelongsToHost(entry.key, host)) continue;
        const where = `${entry.key} in ${t(file.path)}`;
        const secret = entry.password();
        const usedBy = [...effective]
          .filter(
            ([, e]) =>
              e.winner?.file.path === file.path && e.winner?.key === entry.key,
          )
          .map(([name]) => name);
        const role =
          usedBy.length > 0
            ? `${usedBy.join(' and ')} send${usedBy.length === 1 ? 's' : ''} it`
            : 'nothing sends it now (another entry comes first)';
        const unreachable = podmanView.unreachableByPodmanLogout.some(
          (s) => s.file.path === file.path && s.key === entry.key,
        );
        const logoutFix = `podman logout --authfile ${t(file.path)} ${entry.key}`;
        if (entry.kind === 'basic' && entry.hasIdentityToken) {
          out.push(
            finding(
              'auth files',
              'auth.identity-token',
              usedBy.length ? 'error' : 'warn',
              `${where} holds an identity token: podman sends it (an OAuth2 refresh-token grant), not the password, and QCI accepts only user:password; ${role}`,
              `${logoutFix} && qci login`,
              true,
            ),
          );
          continue;
        }
        if (!secret) {
          out.push(
            finding(
              'auth files',
              'auth.unusable',
              usedBy.length ? 'error' : 'warn',
              `${where} has no usable user:password (${entry.describe()}); ${role}`,
              logoutFix,
              true,
            ),
          );
          continue;
        }
        const state = await p.tokenState(secret);
        if (state === 'expired') {
          const why = unreachable
            ? "; `podman logout` does not remove it (it is not in podman's primary file), so it keeps breaking pulls"
            : '';
          out.push(
            finding(
              'auth files',
              'auth.expired',
              usedBy.length ? 'error' : 'warn',
              `${where} holds an expired or revoked app.ci token (${maskToken(secret)}); ${role}${why}`,
              logoutFix,
              true,
            ),
          );
        } else if (state === 'other-user') {
          out.push(
            finding(
              'auth files',
              'auth.other-user',
              'warn',
              `${where} holds another user's valid app.ci token; ${role}`,
              logoutFix,
            ),
          );
        } else if (state === 'unknown') {
          const why = await uncheckedWhy(p);
          out.push(
            finding(
              'auth files',
              'auth.unchecked',
              'info',
              `${where}: qci could not check its token (${why}); ${role}`,
            ),
          );
        } else {
          out.push(
            finding(
              'auth files',
              'auth.valid',
              'ok',
              `${where} holds a valid app.ci token${state === 'current' ? " (your kube context's)" : ''}; ${role}`,
            ),
          );
          if (unreachable && usedBy.length === 0) {
            out.push(
              finding(
                'auth files',
                'auth.unreachable-by-logout',
                'info',
                `${where} is outside podman's primary file: \`podman logout\` will not remove it`,
              ),
            );
          }
        }
      }
    }
  }
  for (const [engine, e] of effective) {
    if (
      e.outcome === 'none' &&
      (engine === 'podman'
        ? onPath('podman', p.setup.env)
        : onPath('docker', p.setup.env))
    ) {
      out.push(
        finding(
          'auth files',
          `auth.none.${engine}`,
          engine === 'podman' ? 'warn' : 'info',
          `${engine} has no credential for ${host}: its pulls from QCI fail with "unauthorized"`,
          engine === 'podman' ? 'qci login' : 'qci login --engine docker',
          engine === 'podman',
        ),
      );
    }
  }
  return out;
}

/**
 * What each engine's credential helper (credHelpers, docker's credsStore) answered for QCI, judged like a
 * stored token; and URL-form keys that make podman choose at random.
 */
async function checkHelperAnswers(
  p: Probe,
  effective: ReadonlyMap<EngineName, EffectiveCredential>,
): Promise<Finding[]> {
  const out: Finding[] = [];
  const host = p.setup.settings.registry;
  const t = (path: string) => tildify(path, p.setup.home);
  const seen = new Set<string>();
  for (const [engine, e] of effective) {
    if (e.outcome === 'ambiguous') {
      const keys = e.candidates.map((c) => c.key);
      const file = t(e.candidates[0]?.file.path ?? '');
      out.push(
        finding(
          'auth files',
          'auth.ambiguous',
          'error',
          `${file} holds ${keys.length} URL-form keys for ${host} (${keys.join(', ')}) that send different things: ${engine} picks one at random on each pull`,
          `${keys.map((k) => `podman logout --authfile ${file} ${k}`).join(' && ')} && qci login`,
        ),
      );
    }
    const winner = e.winner;
    const helper = winner?.helper;
    if (!winner || helper === undefined || helper === HELPER_NAME) continue;
    const label = `${winner.how === 'credsStore' ? 'credsStore' : 'credHelpers'} docker-credential-${helper} in ${t(winner.file.path)}`;
    if (seen.has(`${label}\0${e.outcome}`)) continue;
    seen.add(`${label}\0${e.outcome}`);
    // qci logout erases it through the helper; docker logout does not for a podman file's credHelpers.
    const fix = 'qci logout && qci login';
    if (e.outcome === 'error') {
      out.push(
        finding(
          'auth files',
          'auth.helper-failed',
          'error',
          `${label}: ${e.error?.reason ?? 'the helper failed'}`,
          `install docker-credential-${helper}, or remove credHelpers["${host}"] from ${t(winner.file.path)}`,
        ),
      );
      continue;
    }
    const answer = e.helperAnswer;
    if (answer?.state !== 'found') continue;
    if (e.sends.kind === 'identity-token') {
      out.push(
        finding(
          'auth files',
          'auth.helper-identity-token',
          'error',
          `${label} answers for ${host} with an identity token: ${engine} sends it as an OAuth2 refresh-token grant, which QCI does not accept`,
          'qci doctor --fix (or: qci logout && qci login)',
          true,
        ),
      );
      continue;
    }
    const secret = e.sends.secret?.();
    if (e.sends.kind !== 'basic' || !secret) {
      out.push(
        finding(
          'auth files',
          'auth.helper-empty',
          'error',
          `${label} answers for ${host} with an empty user name or secret: ${engine} sends no credential`,
          fix,
        ),
      );
      continue;
    }
    const state = await p.tokenState(secret);
    const masked = maskToken(secret);
    if (state === 'expired')
      out.push(
        finding(
          'auth files',
          'auth.helper-expired',
          'error',
          `${label} answers for ${host} with an expired or revoked app.ci token (${masked}); ${engine} sends it`,
          'qci doctor --fix (or: qci logout && qci login)',
          true,
        ),
      );
    else if (state === 'other-user')
      out.push(
        finding(
          'auth files',
          'auth.helper-other-user',
          'warn',
          `${label} answers for ${host} with another user's valid app.ci token (${masked}); ${engine} sends it`,
          fix,
        ),
      );
    else
      out.push(
        finding(
          'auth files',
          'auth.helper',
          state === 'unknown' ? 'info' : 'ok',
          `${label} answers for ${host} with ${state === 'unknown' ? 'a token qci could not check (app.ci unreachable)' : 'a valid app.ci token'} (${masked}); ${engine} sends it`,
        ),
      );
  }
  return out;
}

/**
 * `qci login --helper` registered docker-credential-qci: is it on PATH, and is the token it would answer
 * with (read in-process, as the helper reads it) alive?
 */
async function checkOwnHelper(p: Probe, file: string): Promise<Finding[]> {
  const where = `${file} sends ${p.setup.settings.registry} to ${HELPER_BINARY}`;
  if (!onPath(HELPER_BINARY, p.setup.env)) {
    return [
      finding(
        'auth files',
        'auth.helper-missing',
        'error',
        `${where}, which is not on PATH: podman fails every pull from QCI`,
        'npm install -g . in the qci checkout (or put its bin/ on PATH), or: qci logout --helper',
      ),
    ];
  }
  let current: Awaited<ReturnType<typeof currentAppCiToken>>;
  try {
    current = await currentAppCiToken(p.setup.env, p.setup.context);
  } catch (error) {
    return [
      finding(
        'auth files',
        'auth.helper-no-token',
        'error',
        `${where}, which has no token to answer with: ${error instanceof Error ? error.message : String(error)}`,
        LOGIN_HINT,
      ),
    ];
  }
  const state = await p.tokenState(current.token);
  if (state === 'expired') {
    return [
      finding(
        'auth files',
        'auth.helper-expired',
        'error',
        `${where}, which answers with the token of ${current.source} (${maskToken(current.token)}): it has expired or was revoked`,
        LOGIN_HINT,
      ),
    ];
  }
  return [
    finding(
      'auth files',
      'auth.helper',
      'ok',
      `${where}, which answers with the token of ${current.source}${state === 'unknown' ? ' (not checked: app.ci unreachable)' : ''}`,
    ),
  ];
}

/** Environment variables that make podman fail or forget (REFERENCE §5, seen with podman 4.3.1). */
async function checkEnvironment(p: Probe): Promise<Finding[]> {
  const env = p.setup.env;
  const out: Finding[] = [];
  if (env.REGISTRY_AUTH_FILE && !existsSync(env.REGISTRY_AUTH_FILE)) {
    out.push(
      finding(
        'environment',
        'env.registry-auth-file',
        'error',
        `REGISTRY_AUTH_FILE points at ${env.REGISTRY_AUTH_FILE}, which does not exist: podman fails every pull ("no such file or directory")`,
        `echo '{}' > ${env.REGISTRY_AUTH_FILE}   # or: unset REGISTRY_AUTH_FILE`,
      ),
    );
  }
  // REGISTRY_AUTH_FILE, when set, is the file podman stats instead.
  if (
    env.DOCKER_CONFIG &&
    !env.REGISTRY_AUTH_FILE &&
    !existsSync(`${env.DOCKER_CONFIG}/config.json`)
  ) {
    out.push(
      finding(
        'environment',
        'env.docker-config',
        'error',
        `DOCKER_CONFIG is ${env.DOCKER_CONFIG} but it holds no config.json: podman fails every pull`,
        `mkdir -p ${env.DOCKER_CONFIG} && echo '{}' > ${env.DOCKER_CONFIG}/config.json   # or: unset DOCKER_CONFIG`,
      ),
    );
  }
  if (!env.XDG_RUNTIME_DIR) {
    out.push(
      finding(
        'environment',
        'env.xdg-runtime-dir',
        'warn',
        `XDG_RUNTIME_DIR is not set: podman keeps logins in /run/containers/${p.setup.uid}/auth.json, which a reboot clears`,
        'log in through a login session (ssh, or machinectl shell), or set XDG_RUNTIME_DIR',
      ),
    );
  } else if (!existsSync(env.XDG_RUNTIME_DIR)) {
    out.push(
      finding(
        'environment',
        'env.xdg-runtime-dir',
        'warn',
        `XDG_RUNTIME_DIR is ${env.XDG_RUNTIME_DIR}, which does not exist: podman login creates it, and it may not survive a logout`,
        `mkdir -m 700 -p ${env.XDG_RUNTIME_DIR}`,
      ),
    );
  }
  return out;
}

/** Auth entries and local images that still name the old registries. */
async function checkOldRegistries(p: Probe): Promise<Finding[]> {
  const out: Finding[] = [];
  const t = (path: string) => tildify(path, p.setup.home);
  const seen = new Set<string>();
  for (const { states } of await p.files) {
    for (const file of states) {
      if (file.state !== 'ok' || seen.has(file.path)) continue;
      seen.add(file.path);
      for (const entry of file.entries) {
        if (keyBelongsToHost(entry.key, DECOMMISSIONED_REGISTRY)) {
          out.push(
            finding(
              'old registries',
              'old.auth-decommissioned',
              'warn',
              `${entry.key} in ${t(file.path)} is for ${DECOMMISSIONED_REGISTRY}, which is decommissioned`,
              `podman logout --authfile ${t(file.path)} ${entry.key}`,
              true,
            ),
          );
        } else if (keyBelongsToHost(entry.key, APP_CI_REGISTRY)) {
          out.push(
            finding(
              'old registries',
              'old.auth-internal',
              'info',
              `${entry.key} in ${t(file.path)} is for ${APP_CI_REGISTRY}, app.ci's internal registry; CI users pull from QCI`,
            ),
          );
        }
      }
    }
  }
  if (onPath('podman', p.setup.env)) {
    const images = await p.setup.runner({
      command: 'podman',
      args: ['images', '--format', '{{.Repository}}:{{.Tag}}'],
      env: p.setup.env,
      timeoutMs: 4_000,
    });
    if (images.exitCode === 0) {
      for (const name of images.stdout.split('\n').filter(Boolean)) {
        if (
          name.startsWith(`${DECOMMISSIONED_REGISTRY}/`) ||
          name.startsWith(`${APP_CI_REGISTRY}/`)
        ) {
          out.push(
            finding(
              'old registries',
              'old.image',
              'info',
              `the local image ${name} comes from ${name.split('/')[0]}; its QCI pull spec is what to use now`,
              `qci pullspec ${name}`,
            ),
          );
        }
      }
    }
  }
  return out;
}

/** The QCI registry answers, and accepts the credential podman would send: ping, then /v2/auth. */
async function checkRegistry(p: Probe, timeoutMs: number): Promise<Finding[]> {
  const { registry: host, tlsVerify } = p.setup.settings;
  let ping: Awaited<ReturnType<typeof pingRegistry>>;
  try {
    ping = await pingRegistry(host, { env: p.setup.env, tlsVerify, timeoutMs });
  } catch (error) {
    return [
      finding(
        'registry',
        'registry.unreachable',
        'error',
        error instanceof Error ? error.message : String(error),
        'check your network or VPN; for a local test registry, QCI_TLS_VERIFY=false',
      ),
    ];
  }
  // Not being able to check is a finding, never a silent pass (issue 11).
  const cannotCheck = (detail: string) =>
    finding(
      'registry',
      'registry.unchecked',
      'error',
      detail,
      `try again later; if it persists, the registry ${host} is not answering as QCI does`,
    );
  if (ping.status >= 500 || ping.status === 429)
    return [
      cannotCheck(
        `${host} answers HTTP ${ping.status} (${ping.url}): qci cannot check it or your credential, and pulls fail while it does`,
      ),
    ];
  if (ping.status === 401 && !ping.challenge)
    return [
      cannotCheck(
        `${host} answers HTTP 401 without a WWW-Authenticate challenge (${ping.url}): qci cannot check your credential, and podman cannot log in to it`,
      ),
    ];
  const out = [
    finding(
      'registry',
      'registry.reachable',
      'ok',
      `${host} answers (${ping.url}: HTTP ${ping.status})`,
    ),
  ];
  const podmanFiles = (await p.files).find((f) => f.engine === 'podman')!;
  const winner = effectiveCredential(
    podmanFiles.states,
    host,
    QCI_REPOSITORY_PATH,
    { engine: 'podman' },
  ).winner;
  let password = winner?.entry?.password();
  if (winner?.helper === HELPER_NAME)
    password = (
      await currentAppCiToken(p.setup.env, p.setup.context).catch(
        () => undefined,
      )
    )?.token;
  if (!winner || !password) return out;
  const check = await checkCredential(
    host,
    ping,
    { user: winner.entry?.user ?? 'user', password },
    { env: p.setup.env, tlsVerify, timeoutMs },
  );
  const where = `${winner.key} in ${tildify(winner.file.path, p.setup.home)}`;
  if (check.state === 'accepted')
    out.push(
      finding(
        'registry',
        'registry.credential',
        'ok',
        `${host} accepts the credential podman sends (${where})`,
      ),
    );
  else if (check.state === 'denied')
    out.push(
      finding(
        'registry',
        'registry.credential',
        'error',
        `${host} refuses the credential podman sends (${where}): access denied`,
        QCI_ACCESS_HINT,
      ),
    );
  else if (check.state === 'unchecked')
    out.push(
      cannotCheck(
        `${host} could not check the credential podman sends (${where}): its token service answered HTTP ${check.status}`,
      ),
    );
  else if (check.state === 'no-challenge' && ping.status !== 200)
    out.push(
      cannotCheck(
        `${host} names no token service (HTTP ${ping.status} without a Bearer challenge): qci cannot check the credential podman sends (${where})`,
      ),
    );
  else if (check.state === 'rejected')
    out.push(
      finding(
        'registry',
        'registry.credential',
        'error',
        `${host} rejects the credential podman sends (${where}, HTTP ${check.status})`,
        'qci doctor --fix (or: qci logout && qci login)',
        true,
      ),
    );
  return out;
}

export interface DoctorOptions {
  timeoutMs?: number;
  /** Called as each check finishes (the live checklist). */
  onCheck?: (check: string, findings: Finding[]) => void;
}

export const CHECKS = [
  'engines',
  'app.ci',
  'auth files',
  'environment',
  'old registries',
  'registry',
] as const;

export async function runDoctor(
  setup: AuthSetup,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const p = probe(setup);
  const checks: Record<(typeof CHECKS)[number], () => Promise<Finding[]>> = {
    engines: () => checkEngines(p),
    'app.ci': () => checkAppCi(p),
    'auth files': () => checkAuthEntries(p),
    environment: () => checkEnvironment(p),
    'old registries': () => checkOldRegistries(p),
    registry: () => checkRegistry(p, timeoutMs),
  };
  const results = await Promise.all(
    CHECKS.map(async (name) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<Finding[]>((resolve) => {
        timer = setTimeout(
          () =>
            resolve([
              finding(
                name,
                `${name}.timeout`,
                'warn',
                `the ${name} check did not finish within ${timeoutMs / 1000} s`,
              ),
            ]),
          timeoutMs,
        );
      });
      const findings = await Promise.race([
        checks[name]().catch((error: unknown) => [
          finding(
            name,
            `${name}.failed`,
            'warn',
            `the ${name} check failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        ]),
        timeout,
      ]);
      clearTimeout(timer);
      options.onCheck?.(name, findings);
      return findings;
    }),
  );
  // Checks in their fixed order; within a check, the order it found things in (the story reads right).
  const findings = results.flat();
  return {
    registry: setup.settings.registry,
    findings,
    healthy: !findings.some((f) => f.severity === 'error'),
    fixed: [],
  };
}

/**
 * A dead QCI secret that a credential helper (credHelpers, docker's credsStore) answers with is erased
 * through the helper, as `qci logout` erases it: an expired or revoked token, or an identity token.
 */
async function eraseDeadHelperSecrets(p: Probe): Promise<string[]> {
  const host = p.setup.settings.registry;
  const t = (path: string) => tildify(path, p.setup.home);
  const ask = helperAsker(p.setup);
  const done = new Set<string>();
  const out: string[] = [];
  for (const { engine, states } of await p.files) {
    const e = await resolveCredential(states, host, QCI_REPOSITORY_PATH, {
      engine,
      ask,
    });
    const winner = e.winner;
    const helper = winner?.helper;
    if (!winner || helper === undefined || helper === HELPER_NAME) continue;
    if (done.has(helper) || e.helperAnswer?.state !== 'found') continue;
    const secret = e.sends.kind === 'basic' ? e.sends.secret?.() : undefined;
    const dead =
      e.sends.kind === 'identity-token' ||
      (secret !== undefined && (await p.tokenState(secret)) === 'expired');
    if (!dead) continue;
    done.add(helper);
    const file = t(winner.file.path);
    const remedy =
      winner.how === 'credHelpers' && winner.file.format !== 'docker-config'
        ? `podman logout --authfile ${file} ${host}`
        : `docker logout ${host}`;
    // --fix only: login and logout load when a fix needs them, not with every doctor run.
    const { eraseThroughHelper } = await import('../session/logout.js');
    const result = await eraseThroughHelper(
      p.setup,
      helper,
      host,
      remedy,
      file,
      false,
    );
    out.push(
      result.erased
        ? `erased the dead QCI secret docker-credential-${helper} held for ${host} (named in ${file})`
        : `could not erase the QCI secret of docker-credential-${helper}: ${result.remains?.detail ?? 'the helper refused'}; run ${result.remains?.command ?? remedy}`,
    );
  }
  return out;
}

/**
 * The safe repairs: remove QCI entries whose token is dead (each file keeps a backup), then log in if
 * the engine would still send nothing valid. Then the checks run again.
 */
export async function fixAndRecheck(
  setup: AuthSetup,
  report: DoctorReport,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const fixed: string[] = [];
  const host = setup.settings.registry;
  const p = probe(setup);
  const stale = new Set<string>();
  const t = (path: string) => tildify(path, setup.home);
  for (const { refs, states } of await p.files) {
    for (const file of states) {
      if (file.state !== 'ok' || stale.has(file.path)) continue;
      const qciEntries = file.entries.filter(
        (e) =>
          keyBelongsToHost(e.key, host) ||
          keyBelongsToHost(e.key, DECOMMISSIONED_REGISTRY),
      );
      if (qciEntries.length === 0) continue;
      const verdicts = await Promise.all(
        qciEntries.map(async (e) =>
          keyBelongsToHost(e.key, DECOMMISSIONED_REGISTRY)
            ? 'expired'
            : e.password() && !e.hasIdentityToken
              ? await p.tokenState(e.password()!)
              : 'expired',
        ),
      );
      // Only when every QCI entry in the file is dead: removing a file's QCI entries is all or nothing.
      if (!verdicts.every((v) => v === 'expired')) continue;
      stale.add(file.path);
      const ref = refs.find((r) => r.path === file.path);
      for (const registry of [host, DECOMMISSIONED_REGISTRY]) {
        const result = await removeCredentials(
          file.path,
          registry,
          ref ? { format: ref.format } : {},
        );
        if (result.removed.length > 0)
          fixed.push(
            `removed ${result.removed.join(', ')} from ${t(file.path)} (backup: ${result.backupPath ? t(result.backupPath) : 'none'})`,
          );
      }
    }
  }
  fixed.push(...(await eraseDeadHelperSecrets(p)));
  const needsLogin =
    report.findings.some(
      (f) =>
        f.autoFix &&
        (f.id.startsWith('auth.') || f.id === 'registry.credential'),
    ) || fixed.length > 0;
  if (needsLogin) {
    const podmanFiles = await readAuthFiles(
      candidates(setup, 'podman', await p.version),
    );
    const winner = effectiveCredential(podmanFiles, host, QCI_REPOSITORY_PATH, {
      engine: 'podman',
    }).winner;
    const secret = winner?.entry?.hasIdentityToken
      ? undefined
      : winner?.entry?.password();
    const state = secret ? await p.tokenState(secret) : 'expired';
    if (state !== 'current' && state !== 'valid') {
      try {
        const { loginToQci } = await import('../session/login.js');
        const login = await loginToQci(setup, {});
        fixed.push(
          `logged ${login.engine} in to ${host} as ${login.user} (credential in ${t(login.authFile)})`,
        );
      } catch (error) {
        fixed.push(
          `could not log in: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
  const again = await runDoctor(setup, options);
  return { ...again, fixed };
}

/** `qci doctor --explain TEXT`: what a pasted podman, docker or skopeo error means. */
export function explainError(
  text: string,
  host: string,
): { cause: FailureCause; detail: string; fix: string } {
  const cause = classifyEngineFailure(text);
  const table: Record<FailureCause, [string, string]> = {
    'credentials-missing': [
      'the registry wants credentials and got none it accepts: not logged in, or a stale entry is being sent',
      'qci doctor (it names the file), then qci login',
    ],
    'credentials-rejected': [
      `the registry rejected the stored credential: for ${host} that means its app.ci token expired (they last 28 days) or was revoked`,
      'qci doctor --fix',
    ],
    'token-expired': [
      'the registry token expired mid-operation; a new pull gets a new one',
      'run the pull again; if it repeats: qci login',
    ],
    denied: ['logged in, but not allowed to pull this image', QCI_ACCESS_HINT],
    'not-found': [
      'the image or tag does not exist: for QCI, the tag NS_NAME_TAG was never promoted or is misspelled (not a login problem)',
      'qci pullspec NS/NAME:TAG (check the tag), qci promoted CONFIG (what a config publishes)',
    ],
    'rate-limited': [
      'the registry is rate limiting',
      'wait a minute and retry',
    ],
    'server-error': ['the registry had a server error', 'retry shortly'],
    dns: [
      'the registry host name does not resolve',
      'check the host name, your network and VPN',
    ],
    refused: [
      'nothing listens at the registry address',
      'check the host and port, your network and VPN',
    ],
    timeout: [
      'the registry did not answer in time',
      'check your network and VPN, then retry',
    ],
    'http-registry': [
      'the registry speaks plain HTTP but the client expected HTTPS',
      'for a local test registry: --tls-verify=false',
    ],
    tls: [
      'the registry TLS certificate is not trusted',
      'check the CA bundle or a TLS-inspecting proxy',
    ],
    unknown: [
      'qci does not recognise this error',
      'qci doctor runs every check; paste the full error into an issue if that finds nothing',
    ],
  };
  const [detail, fix] = table[cause];
  return { cause, detail, fix };
}
