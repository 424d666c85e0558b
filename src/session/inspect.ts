/**
 * qci inspect: an image's digest, platforms, created time, size and labels, read through the registry API
 * with the credential podman would send (the same auth files, in the same order, credential helpers
 * included), or anonymously when podman has none. Nothing is pulled and no tag is listed.
 */
import {
  readAuthFiles,
  resolveCredential,
  type AuthFileState,
} from '../auth/index.js';
import { ExitCode, QciError } from '../core/errors.js';
import {
  QCI_REPOSITORY_PATH,
  parseReference,
  pullSpecFor,
  type ImageRef,
  type ImageStreamTag,
} from '../core/reference.js';
import { pinnedSpec } from '../core/digests.js';
import { onPath, type EngineName } from '../engine/engine.js';
import {
  parsePlatform,
  type InspectOptions,
  type InspectResult,
} from '../registry/inspect.js';
import { describeImage } from '../registry/describe.js';
import type { ChallengeSession } from '../registry/kept-session.js';
import { withRememberedSession } from './registry-session.js';
import { tildify } from '../core/paths.js';
import { helperAsker } from './ask-helper.js';
import { candidates, versionForFiles, type AuthSetup } from './setup.js';
import { loginToQci, type LoginReport } from './login.js';

export interface InspectRequest {
  /** --platform given on the command line (else the platform setting: QCI_PLATFORM, default linux/amd64). */
  platform?: string | undefined;
  authfile?: string | undefined;
  timeoutMs?: number | undefined;
  log?: (line: string) => void;
  /** Log in (as qci login does) when the registry wants a credential podman does not have; default true. */
  login?: boolean;
  say?: (line: string) => void;
}

export interface InspectReport extends InspectResult {
  input: string;
  pullSpec: string;
  registry: string;
  repository: string;
  /** The tag (NS_NAME_TAG) or digest asked for. */
  reference: string;
  imageStreamTag: ImageStreamTag | null;
  /** The pull spec pinned to the digest the tag points at now (an index's own digest). */
  pinnedPullSpec: string;
  /** Pinned to the described platform's manifest (the same as pinnedPullSpec for a single image). */
  platformPullSpec: string;
  /** Which credential was sent, never the secret: "anonymous", or the key and file (or helper). */
  credential: {
    source: 'auth-file' | 'helper' | 'anonymous';
    engine: EngineName;
    key: string | null;
    file: string | null;
    helper: string | null;
    user: string | null;
  };
  /** Set when qci logged in first because the registry refused the credential podman had (or its absence). */
  loggedIn: LoginReport | null;
  warnings: string[];
}

/** The credential podman (or docker) would send to `host`, following helpers as the engine does. */
async function engineCredential(
  setup: AuthSetup,
  engine: EngineName,
  states: AuthFileState[],
): Promise<{
  credential: { user: string; password: string } | null;
  about: InspectReport['credential'];
}> {
  const host = setup.settings.registry;
  const effective = await resolveCredential(states, host, QCI_REPOSITORY_PATH, {
    engine,
    ask: helperAsker(setup),
  });
  const winner = effective.winner;
  const answer = effective.helperAnswer;
  if (effective.outcome === 'error') {
    const missing =
      answer === undefined &&
      /is not installed/.test(effective.error?.reason ?? '');
    throw new QciError(
      `${engine} would fail before sending anything: ${effective.error?.reason ?? 'unusable auth entry'}`,
      missing
        ? {
            kind: 'missing-tool',
            hint: `install the helper, or remove credHelpers["${host}"] from the auth file (qci doctor shows which)`,
          }
        : {
            kind: 'auth-file-error',
            hint: 'qci doctor explains it and qci doctor --fix repairs what is safe',
          },
    );
  }
  const anonymous = {
    credential: null,
    about: {
      source: 'anonymous' as const,
      engine,
      key: null,
      file: null,
      helper: null,
      user: null,
    },
  };
  const sends = effective.sends;
  if (!winner || sends.kind !== 'basic' || !sends.secret) return anonymous;
  return {
    credential: { user: sends.user ?? '', password: sends.secret() },
    about: {
      source: winner.helper ? 'helper' : 'auth-file',
      engine,
      key: winner.key,
      file: winner.file.path,
      helper: winner.helper ?? null,
      user: sends.user || null,
    },
  };
}

/**
 * What the engine (the engine setting's, or podman's rules when neither is installed: reading needs
 * neither) would send to the registry `setup.settings.registry`, and where it is stored, for messages.
 */
export async function engineSends(
  setup: AuthSetup,
  authfile: string | undefined,
  /** The engine already chosen (qci images lists its store first); else chosen here. */
  chosen?: EngineName,
): Promise<{
  credential: { user: string; password: string } | null;
  about: InspectReport['credential'];
  source: string | undefined;
}> {
  const setting = setup.settings.engine;
  const engine: EngineName =
    chosen ??
    (setting !== 'auto'
      ? setting
      : onPath('podman', setup.env) || !onPath('docker', setup.env)
        ? 'podman'
        : 'docker');
  const version = await versionForFiles(setup, engine, authfile);
  const states = await readAuthFiles(
    candidates(setup, engine, version, authfile),
  );
  const { credential, about } = await engineCredential(setup, engine, states);
  const t = (p: string) => tildify(p, setup.home);
  const source = about.file
    ? `${about.helper ? `docker-credential-${about.helper} for ` : ''}${about.key} in ${t(about.file)}`
    : undefined;
  return { credential, about, source };
}

/**
 * `read`, and, as qci pull does when the registry wants a credential the engine lacks (or has a dead
 * one), a login to `setup.settings.registry` and `read` once more; `login: false` skips it.
 */
export async function readWithLogin<T>(
  setup: AuthSetup,
  request: Pick<InspectRequest, 'authfile' | 'login' | 'say'>,
  read: () => Promise<T>,
): Promise<{ value: T; loggedIn: LoginReport | null }> {
  try {
    return { value: await read(), loggedIn: null };
  } catch (error) {
    if (
      !(error instanceof QciError) ||
      error.exitCode !== ExitCode.authRequired ||
      request.login === false
    )
      throw error;
    request.say?.(`${error.message}; logging in`);
    const loggedIn = await loginToQci(setup, { authfile: request.authfile });
    request.say?.(
      `logged in to ${setup.settings.registry} as ${loggedIn.user}`,
    );
    return { value: await read(), loggedIn };
  }
}

/** The registry client's options for `setup.settings.registry`: the engine's credential, the HTTP settings. */
export async function registryOptions(
  setup: AuthSetup,
  request: Pick<InspectRequest, 'authfile' | 'platform' | 'timeoutMs' | 'log'>,
): Promise<{ options: InspectOptions; about: InspectReport['credential'] }> {
  const { credential, about, source } = await engineSends(
    setup,
    request.authfile,
  );
  const options: InspectOptions = {
    credential,
    ...(source ? { credentialSource: source } : {}),
    platform: parsePlatform(request.platform ?? setup.settings.platform),
    http: registryHttp(setup, request),
  };
  return { options, about };
}

/** How qci's own HTTP requests go for `setup`: its environment (proxies), TLS setting, deadline and log. */
export function registryHttp(
  setup: AuthSetup,
  request: Pick<InspectRequest, 'timeoutMs' | 'log'>,
): InspectOptions['http'] {
  return {
    env: setup.env,
    tlsVerify: setup.settings.tlsVerify,
    ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}),
    ...(request.log ? { log: request.log } : {}),
  };
}

export async function inspectQci(
  setup: AuthSetup,
  input: string,
  request: InspectRequest = {},
): Promise<InspectReport> {
  const host = setup.settings.registry;
  const ref = parseReference(input, { pullHost: host });
  const read = async () => {
    const { options, about } = await registryOptions(setup, request);
    const target = qciTarget(host, ref);
    const result = await withRememberedSession(setup, target, options, (s) =>
      describeImage(s, target, options),
    );
    return { about, result };
  };
  const { value, loggedIn } = await readWithLogin(setup, request, read);
  return reportFor(
    setup,
    input,
    ref,
    value.result,
    value.about,
    loggedIn,
    request,
  );
}

/**
 * inspectQci for several references at once, read over one registry session: the auth files read once,
 * one token asked (every QCI image is in one repository, so one scope), the manifests asked together.
 * Each reference gets its report or its own error (a malformed reference, a tag QCI lacks); nothing
 * logs in (an error that needs a login is each reference's).
 */
export async function inspectQciMany(
  setup: AuthSetup,
  inputs: readonly string[],
  request: Omit<InspectRequest, 'login' | 'say'> = {},
): Promise<(InspectReport | QciError)[]> {
  const host = setup.settings.registry;
  const refs = inputs.map((input) => {
    try {
      return parseReference(input, { pullHost: host });
    } catch (error) {
      if (error instanceof QciError) return error;
      throw error;
    }
  });
  const first = refs.find((r): r is ImageRef => !(r instanceof QciError));
  if (!first) return refs as QciError[];
  try {
    const { options, about } = await registryOptions(setup, request);
    const one = async (session: ChallengeSession, ref: ImageRef, i: number) => {
      try {
        const result = await session.authorized(() =>
          describeImage(session, qciTarget(host, ref), options),
        );
        return reportFor(setup, inputs[i]!, ref, result, about, null, request);
      } catch (error) {
        if (error instanceof QciError) return error;
        throw error;
      }
    };
    return await withRememberedSession(
      setup,
      qciTarget(host, first),
      options,
      (session) =>
        Promise.all(
          refs.map((ref, i) =>
            ref instanceof QciError ? ref : one(session, ref, i),
          ),
        ),
    );
  } catch (error) {
    // Before any manifest was asked (the auth files, the registry's token): every reference's answer.
    if (!(error instanceof QciError)) throw error;
    return refs.map((ref) => (ref instanceof QciError ? ref : error));
  }
}

/** Where QCI keeps a reference: its one repository, by digest or by QCI tag. */
function qciTarget(host: string, ref: ImageRef) {
  return {
    host,
    repository: QCI_REPOSITORY_PATH,
    reference: ref.digest ?? ref.qciTag!,
  };
}

/** One reference's report from what the registry described. */
function reportFor(
  setup: AuthSetup,
  input: string,
  ref: ImageRef,
  result: InspectResult,
  about: InspectReport['credential'],
  loggedIn: LoginReport | null,
  request: Pick<InspectRequest, 'platform'>,
): InspectReport {
  const host = setup.settings.registry;
  const warnings = [...ref.warnings];
  if (result.platformMismatch && request.platform !== undefined) {
    warnings.push(
      `the image has one platform, ${result.platform}; --platform ${request.platform} does not apply to it`,
    );
  }
  return {
    input,
    pullSpec: pullSpecFor(ref, host),
    registry: host,
    repository: QCI_REPOSITORY_PATH,
    reference: qciTarget(host, ref).reference,
    imageStreamTag: ref.imageStreamTag,
    pinnedPullSpec: pinnedSpec(host, result.digest),
    platformPullSpec: pinnedSpec(host, result.platformDigest),
    credential: about,
    loggedIn,
    warnings: [...(loggedIn?.warnings ?? []), ...warnings],
    ...result,
  };
}
