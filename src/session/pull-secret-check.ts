/**
 * Recognising a pull secret given as --authfile (whoami, doctor): a file with several registries' entries,
 * one of them QCI's. What it adds to their judgement of the QCI entry (valid, expired: theirs, not
 * judged again here) is whose token the entry holds and when that token expires: from the token itself
 * (a JWT's sub and exp), from what app.ci proved about it (the facts cache, or the kube context's own
 * token), else from app.ci's metadata of the token.
 */
import {
  authFileRef,
  keyBelongsToHost,
  readAuthFile,
  type AuthEntry,
  type AuthFileState,
} from '../auth/index.js';
import { MIN_TOKEN_SECONDS } from '../core/duration.js';
import { messageOf } from '../core/errors.js';
import { tildify } from '../core/paths.js';
import { APP_CI_REGISTRY } from '../core/reference.js';
import {
  DEFAULT_PULL_SECRET_SECONDS,
  pullSecretExpiresSoon,
  renewPullSecretCommand,
} from '../core/pull-secret.js';
import {
  describeExpiry,
  serviceAccountOf,
  tokenFacts,
  type TokenKind,
} from '../core/token.js';
import { notAppCiReason, type AppCi } from '../kube/appci.js';
import { recallFacts } from './facts-cache.js';
import type { AuthSetup } from './setup.js';

export interface PullSecretView {
  file: string;
  /** Every registry the file holds an entry for, in file order. */
  registries: string[];
  /** The QCI entry's key. */
  key: string;
  /** Whose token: the app.ci user or system:serviceaccount:P:NAME; null when nothing says. */
  owner: string | null;
  /** How the owner is known: the token's own claims, app.ci, or only the user name stored beside it. */
  ownerFrom: 'token' | 'app.ci' | 'stored user name' | null;
  tokenKind: TokenKind;
  expiresAt: string | null;
  expiry: string | null;
  /** Alive but expiring within 7 days: a cluster needs time to get the next one. */
  expiresSoon: boolean;
  /** What makes the next one, into this file. */
  renew: string;
}

/** The QCI entry of a pull secret (a file holding other registries' entries too); undefined otherwise. */
function qciEntryOf(
  state: AuthFileState,
  host: string,
  minRegistries = 2,
): { entry: AuthEntry; registries: string[] } | undefined {
  if (state.state !== 'ok') return undefined;
  const registries = [...new Set(state.entries.map((e) => e.host))];
  const entry = state.entries.find((e) => keyBelongsToHost(e.key, host));
  if (!entry || registries.length < minRegistries) return undefined;
  return { entry, registries };
}

/** What is known about the token's owner and expiry without judging it. */
async function whoAndWhen(
  setup: AuthSetup,
  secret: string,
  stored: string | undefined,
  appci: AppCi | undefined,
  current:
    | { token: string; user: string; expiresAt: string | null }
    | undefined,
) {
  const facts = tokenFacts(secret);
  if (facts.subject)
    return {
      owner: facts.subject,
      ownerFrom: 'token' as const,
      expiresAt: facts.expiresAt?.toISOString() ?? null,
    };
  if (current && current.token === secret)
    return {
      owner: current.user,
      ownerFrom: 'app.ci' as const,
      expiresAt: current.expiresAt,
    };
  const known = await recallFacts(setup, secret, setup.now()).catch(() => null);
  if (known)
    return {
      owner: known.user,
      ownerFrom: 'app.ci' as const,
      expiresAt: known.expiresAt,
    };
  // Only app.ci's API server may see a token from a file (never another cluster's: notAppCiReason).
  const expiry =
    appci && facts.kind === 'oauth' && !notAppCiReason(appci.context)
      ? await appci
          .withToken(secret)
          .tokenExpiry()
          // Unknown then: the judgement of the entry (whoami, doctor) says why app.ci did not answer.
          .catch(() => null)
      : null;
  return {
    owner: stored ?? null,
    ownerFrom: stored ? ('stored user name' as const) : null,
    expiresAt: expiry?.expiresAt?.toISOString() ?? null,
  };
}

/** A pull secret's QCI entry, with whose token it holds and when that expires; null when `state` is no pull secret. */
export async function viewPullSecret(
  setup: AuthSetup,
  state: AuthFileState,
  options: {
    appci?: AppCi | undefined;
    current?:
      | { token: string; user: string; expiresAt: string | null }
      | undefined;
  } = {},
): Promise<PullSecretView | null> {
  const found = qciEntryOf(state, setup.settings.registry);
  if (!found) return null;
  const { entry, registries } = found;
  const secret = entry.password();
  const known = secret
    ? await whoAndWhen(
        setup,
        secret,
        entry.user,
        options.appci,
        options.current,
      )
    : { owner: entry.user ?? null, ownerFrom: null, expiresAt: null };
  const now = setup.now();
  const kind = secret ? tokenFacts(secret).kind : 'unknown';
  return {
    file: state.path,
    registries,
    key: entry.key,
    owner: known.owner,
    ownerFrom: known.ownerFrom,
    tokenKind: kind,
    expiresAt: known.expiresAt,
    expiry: known.expiresAt
      ? describeExpiry(new Date(known.expiresAt), now)
      : null,
    expiresSoon: pullSecretExpiresSoon(known.expiresAt, now),
    renew: renewPullSecretCommand(
      kind === 'service-account' ? known.owner : null,
      state.path,
    ),
  };
}

/** A pull secret whose QCI entry holds a ServiceAccount's token: what renews it. */
export interface PullSecretRenewal {
  file: string;
  serviceAccount: { project: string; name: string; seconds: number };
  /** app.ci's registry held the same token: it is renewed too. */
  withAppCiRegistry: boolean;
}

/**
 * `file` (--authfile) holding a ServiceAccount's token for QCI, read before `qci doctor --fix` removes a dead
 * entry from it: the fix is then a new token for that ServiceAccount (with the lifetime the old one was
 * given), never the user's own token, which would make the cluster's pull secret die with it.
 */
export async function pullSecretRenewal(
  setup: AuthSetup,
  file: string | undefined,
): Promise<PullSecretRenewal | undefined> {
  if (file === undefined) return undefined;
  const state = await readAuthFile(authFileRef(file));
  // Any file given as --authfile whose QCI token is a ServiceAccount's: `-o` makes one of QCI alone.
  const found = qciEntryOf(state, setup.settings.registry, 1);
  const secret = found?.entry.password();
  if (!found || state.state !== 'ok' || !secret) return undefined;
  const facts = tokenFacts(secret);
  const sa = serviceAccountOf(facts.subject);
  if (!sa) return undefined;
  const lifetime =
    facts.expiresAt && facts.issuedAt
      ? Math.round(
          (facts.expiresAt.getTime() - facts.issuedAt.getTime()) / 1000,
        )
      : 0;
  return {
    file,
    serviceAccount: {
      project: sa.project,
      name: sa.name,
      seconds:
        lifetime >= MIN_TOKEN_SECONDS ? lifetime : DEFAULT_PULL_SECRET_SECONDS,
    },
    withAppCiRegistry: state.entries.some(
      (e) =>
        keyBelongsToHost(e.key, APP_CI_REGISTRY) && e.password() === secret,
    ),
  };
}

/** `qci pull-secret --service-account P/NAME --merge FILE`, as a --fix step: one line saying what happened. */
export async function renewPullSecret(
  setup: AuthSetup,
  renewal: PullSecretRenewal,
): Promise<string> {
  const { project, name } = renewal.serviceAccount;
  const shown = tildify(renewal.file, setup.home);
  try {
    const { producePullSecret } = await import('./pull-secret-run.js');
    const { secret } = await producePullSecret(
      setup,
      {
        serviceAccount: renewal.serviceAccount,
        withAppCiRegistry: renewal.withAppCiRegistry,
      },
      { kind: 'merge', path: renewal.file },
      { dryRun: false },
    );
    return `put a new token for serviceaccount ${project}/${name} into the pull secret ${shown} (${secret.facts.expiry ?? 'expiry unknown'})`;
  } catch (error) {
    return `could not renew the pull secret ${shown}: ${messageOf(error)}; run ${renewPullSecretCommand(`system:serviceaccount:${project}:${name}`, shown)}`;
  }
}
