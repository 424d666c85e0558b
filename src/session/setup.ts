import {
  authFileCandidates,
  podmanVersionMatters,
  type AuthFileRef,
} from '../auth/index.js';
import { QciError } from '../core/errors.js';
import type { Settings } from '../core/settings.js';
import { describeExpiry, tokenFacts, type TokenKind } from '../core/token.js';
import { maskToken } from '../core/redact.js';
import {
  onPath,
  parseEngineVersion,
  type EngineName,
} from '../engine/engine.js';
import type { Runner } from '../engine/run.js';
import { QCI_ACCESS_HINT, type AppCi, type TokenProof } from '../kube/appci.js';
import { cachedEngineVersion } from './engine-version-cache.js';
import {
  readFactsAhead,
  rememberFacts,
  rememberRejection,
} from './facts-cache.js';

export interface AuthSetup {
  settings: Settings;
  env: Record<string, string | undefined>;
  home: string;
  uid: number;
  runner: Runner;
  /** `--context` / QCI_CONTEXT / config file, with where it came from. */
  context: { name: string; source: string } | undefined;
  now: () => Date;
  /** The kube client for a context (default: the app.ci context as `context` says); injected by the command. */
  connect: (
    context?: { name: string; source: string },
    options?: { preconnect?: boolean },
  ) => Promise<AppCi>;
  /** Subscribes to the process's signals while a child runs (Ctrl-C); returns the unsubscribe. */
  onSignals: (
    signals: readonly NodeJS.Signals[],
    handler: (signal: NodeJS.Signals) => void,
  ) => () => void;
}

const versions = new WeakMap<AuthSetup, Promise<string | undefined>>();

/**
 * `podman --version` → "4.3.1"; undefined when podman is missing or says something unexpected.
 * Asked once per command (a pull that logs in needs it twice), and remembered per binary.
 */
export function podmanVersion(setup: AuthSetup): Promise<string | undefined> {
  let version = versions.get(setup);
  if (!version) {
    version = askPodmanVersion(setup);
    versions.set(setup, version);
  }
  return version;
}

/**
 * podman's version where the files it reads depend on it (an explicit auth file: `authfile`,
 * REGISTRY_AUTH_FILE, DOCKER_CONFIG); otherwise undefined, and podman is not asked (a first pull or login
 * on a new machine does not wait for `podman --version`). For docker, always undefined.
 */
export function versionForFiles(
  setup: AuthSetup,
  engine: EngineName,
  authfile?: string,
): Promise<string | undefined> {
  return engine === 'podman' &&
    podmanVersionMatters({ env: setup.env, authfile })
    ? podmanVersion(setup)
    : Promise.resolve(undefined);
}

async function askPodmanVersion(setup: AuthSetup): Promise<string | undefined> {
  const binary = onPath('podman', setup.env);
  if (!binary) return undefined;
  return cachedEngineVersion(setup, binary, async () => {
    const result = await setup.runner({
      command: 'podman',
      args: ['--version'],
      env: setup.env,
      timeoutMs: 10_000,
    });
    return result.exitCode === 0
      ? (parseEngineVersion(result.stdout) ?? undefined)
      : undefined;
  });
}

export function candidates(
  setup: AuthSetup,
  engine: EngineName,
  version: string | undefined,
  authfile?: string,
): AuthFileRef[] {
  return authFileCandidates({
    env: setup.env,
    home: setup.home,
    uid: setup.uid,
    engine,
    ...(version ? { podmanVersion: version } : {}),
    ...(authfile ? { authfile } : {}),
  });
}

/** Both engines' files, podman's order first, each path once; `authfile` is one more (it replaces none). */
export function allAuthFiles(
  setup: AuthSetup,
  version: string | undefined,
  authfile?: string,
): AuthFileRef[] {
  const seen = new Set<string>();
  const withAuthfile = authfile
    ? candidates(setup, 'podman', version, authfile)
    : [];
  return [
    ...withAuthfile,
    ...candidates(setup, 'podman', version),
    ...candidates(setup, 'docker', version),
  ].filter((ref) => {
    if (seen.has(ref.path)) return false;
    seen.add(ref.path);
    return true;
  });
}

export interface AppCiFacts {
  context: string;
  contextFoundBy: string;
  contextFile: string;
  server: string;
  user: string;
  groups: string[];
  /** `sha256~abcd…`: enough to tell tokens apart, never the token. */
  token: string;
  tokenKind: TokenKind;
  expiresAt: string | null;
  expiry: string | null;
  qciAccess: boolean;
}

/** Who the app.ci context says you are, when its token expires, and whether you may pull from QCI. */
export async function appCiFacts(
  setup: AuthSetup,
): Promise<{ appci: AppCi; facts: AppCiFacts; token: string }> {
  const appci = await setup.connect(undefined, { preconnect: true });
  const token = appci.requireToken();
  return { appci, token, facts: await proveFacts(setup, appci, token) };
}

/** appCiFacts for a context already connected (its token known): the three requests, remembered. */
export async function proveFacts(
  setup: AuthSetup,
  appci: AppCi,
  token: string,
): Promise<AppCiFacts> {
  const {
    identity,
    expiry,
    qciAccess: access,
  } = await proveRemembered(setup, appci, token);
  return {
    context: appci.context.name,
    contextFoundBy: appci.context.foundBy,
    contextFile: appci.context.file,
    server: appci.context.server,
    user: identity.username,
    groups: identity.groups,
    token: maskToken(token),
    tokenKind: tokenFacts(token).kind,
    expiresAt: expiry.expiresAt?.toISOString() ?? null,
    expiry: expiry.expiresAt
      ? describeExpiry(expiry.expiresAt, setup.now())
      : null,
    qciAccess: access,
  };
}

/**
 * `appci.prove()` for `token`, kept so that the next pull need not ask (facts-cache.ts), as is app.ci's
 * rejection of a dead token; the cache is read while app.ci answers, so that only its write waits for
 * the proof.
 */
export async function proveRemembered(
  setup: AuthSetup,
  appci: AppCi,
  token: string,
): Promise<TokenProof> {
  const cache = readFactsAhead(setup, setup.now());
  let proof: TokenProof;
  try {
    proof = await appci.prove();
  } catch (error) {
    if (error instanceof QciError && error.kind === 'token-expired')
      await rememberRejection(setup, token, 'app.ci', setup.now());
    throw error;
  }
  await rememberFacts(
    setup,
    token,
    {
      user: proof.identity.username,
      expiresAt: proof.expiry.expiresAt?.toISOString() ?? null,
      qciAccess: proof.qciAccess,
      server: appci.context.server,
    },
    setup.now(),
    cache,
  );
  return proof;
}

export function deniedError(user: string): QciError {
  return new QciError(
    `${user} may not pull from QCI: app.ci does not grant get imagestreams/layers in namespace ocp`,
    {
      kind: 'denied',
      hint: QCI_ACCESS_HINT,
    },
  );
}

/** The same setup, talking to `host` (a login, the engine's credential) instead of QCI. */
export function setupFor(setup: AuthSetup, host: string): AuthSetup {
  return host === setup.settings.registry
    ? setup
    : { ...setup, settings: { ...setup.settings, registry: host } };
}
