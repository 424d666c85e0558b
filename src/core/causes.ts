/**
 * One table of the ways a pull fails, and the words for each: what `qci pull` says (and its exit code),
 * what `qci doctor --explain` says of a pasted error, the hint `qci inspect` gives when the registry
 * answers so, and what `qci job-image --pull` says of a build farm's registry. Pure: the engine's text
 * (engine/classify.ts) and the registry client's errors (`causeOfError`) are turned into a cause
 * elsewhere; the cause is turned into words here.
 */
import { QCI_ACCESS_HINT } from './appci.js';
import { exitCodeOf, QciError, type ErrorKind } from './errors.js';

/** Each cause is an error kind: its exit code follows from core/errors.ts. */
export type Cause = Extract<
  ErrorKind,
  | 'credentials-missing'
  | 'credentials-rejected'
  | 'token-expired'
  | 'denied'
  | 'not-found'
  | 'platform-missing'
  | 'rate-limited'
  | 'server-error'
  | 'dns'
  | 'refused'
  | 'timeout'
  | 'http-registry'
  | 'tls'
  | 'engine-unavailable'
  | 'unknown'
>;

/** What a pull asked for, and of whom. */
export interface PullAt {
  pullSpec: string;
  qciTag: string | null;
  host: string;
  engine: 'podman' | 'docker';
  tlsVerify: boolean;
  /** Where the credential the engine sent is stored, when qci knows it sent one. */
  sentFrom?: string | undefined;
  /** The pull's --authfile: the login that repairs it writes there. */
  authfile?: string | undefined;
}

/** A job's image on the build farm that ran it. */
export interface FarmAt {
  registry: string;
  pullSpec: string;
  tag: string;
}

interface Words {
  message: string;
  hint: string;
}

interface Row {
  /** `qci pull`'s sentence and next command. */
  pull: (at: PullAt) => Words;
  /** `qci doctor --explain`: what a pasted podman, docker or skopeo error with this cause means. */
  pasted: (host: string) => { detail: string; fix: string };
  /** `qci inspect`'s next command when the registry itself answers with this cause. */
  registryHint?: string;
  /** `qci job-image --pull`, where a build farm's registry means something else by it. */
  farm?: (at: FarmAt) => Words & { kind: ErrorKind };
}

const UNREACHABLE_HINT = 'check your network and VPN, then try again';
const REJECTED_HINT = 'qci doctor (to see which file holds it), then qci login';
const FIX_HINT = 'qci doctor --fix';
/** What starts each engine's other half, or avoids it. */
const ENGINE_HINT = {
  docker:
    'start the daemon (sudo systemctl start docker; your user in the docker group), or use podman (--engine podman)',
  podman:
    'podman system connection list; on macOS or Windows, podman machine start',
} as const;

/** qci login, writing where the pull read (its --authfile). */
const loginFor = (at: PullAt) =>
  at.authfile ? `qci login --authfile ${at.authfile}` : 'qci login';

const rejected = (at: PullAt): Words => ({
  message: at.sentFrom
    ? `${at.host} rejected the credential ${at.engine} sent (${at.sentFrom}): its app.ci token has expired or was revoked`
    : `${at.host} rejected the credential ${at.engine} sent: its app.ci token has expired or was revoked`,
  hint: at.sentFrom ? loginFor(at) : REJECTED_HINT,
});

/**
 * What the engine sent, as qci knows it before the pull: nothing (no entry), a credential, or not known
 * (a credential helper's answer, or an entry qci could not read).
 */
export type Sent = 'nothing' | 'credential' | 'unknown';

/** The causes that say the registry did not take the credential (none, or a dead one). */
export const AUTH_CAUSES: readonly Cause[] = [
  'credentials-missing',
  'credentials-rejected',
  'token-expired',
];

/**
 * The cause made to agree with what was sent: podman's text is the same for no credential and a bad
 * one on a basic-auth registry ("unauthorized: authentication required", seen with podman 4.3.1), and
 * says "invalid username/password" on a token service that was sent none.
 */
export function causeGivenSent(cause: Cause, sent: Sent): Cause {
  if (!AUTH_CAUSES.includes(cause)) return cause;
  if (sent === 'nothing') return 'credentials-missing';
  if (sent === 'credential' && cause === 'credentials-missing')
    return 'credentials-rejected';
  return cause;
}

/** Only the pull request's author may pull a job's images: a build farm says so as "denied" or "unauthorized". */
const farmDenied = (at: FarmAt) => ({
  message: `${at.registry} denied the pull of ${at.pullSpec}: only the pull request's author may pull a job's images`,
  hint: 'ask the author of the pull request to pull it, or rerun the job from your own pull request',
  kind: 'denied' as const,
});

/** The engine could not reach its other half: docker its daemon, podman (remote) its machine or service. */
export function engineUnavailable(engine: 'podman' | 'docker'): Words {
  return {
    message:
      engine === 'docker'
        ? 'docker cannot reach its daemon (not running, or not yours to use)'
        : 'podman cannot reach its machine or service',
    hint: ENGINE_HINT[engine],
  };
}

/** The same as the error of `what` the engine was running (its login, its image list). */
export function engineUnavailableError(
  what: string,
  engine: 'podman' | 'docker',
): QciError {
  const { message, hint } = engineUnavailable(engine);
  return new QciError(`${what}: ${message}`, {
    kind: 'engine-unavailable',
    hint,
  });
}

export const CAUSES: Record<Cause, Row> = {
  'credentials-missing': {
    pull: (at) => ({
      message: `${at.host} wants credentials and ${at.engine} sent none it accepts`,
      hint: loginFor(at),
    }),
    pasted: () => ({
      detail:
        'the registry wants credentials and got none it accepts: not logged in, or a stale entry is being sent',
      fix: 'qci doctor (it names the file), then qci login',
    }),
    registryHint: 'qci login',
    farm: farmDenied,
  },
  'credentials-rejected': {
    pull: rejected,
    pasted: (host) => ({
      detail: `the registry rejected the stored credential: for ${host} that means its app.ci token expired (they last 28 days) or was revoked`,
      fix: FIX_HINT,
    }),
    registryHint:
      'qci whoami (is the token alive? may you pull?), then qci login',
    farm: farmDenied,
  },
  'token-expired': {
    pull: rejected,
    pasted: () => ({
      detail:
        'the registry token expired mid-operation; a new pull gets a new one',
      fix: 'run the pull again; if it repeats: qci login',
    }),
  },
  denied: {
    pull: () => ({
      message: 'you are logged in, but not allowed to pull this image from QCI',
      hint: QCI_ACCESS_HINT,
    }),
    pasted: () => ({
      detail: 'logged in, but not allowed to pull this image',
      fix: QCI_ACCESS_HINT,
    }),
    registryHint:
      'qci whoami shows whether you have QCI access and how to ask for it',
    farm: farmDenied,
  },
  'not-found': {
    pull: (at) => ({
      message: `not found: QCI has no tag ${at.qciTag ?? at.pullSpec} (tried ${at.pullSpec}); the image may not have been promoted yet, or the name or tag is misspelled`,
      hint: 'check the promotion of the ci-operator config that builds it (qci promoted CONFIG)',
    }),
    pasted: () => ({
      detail:
        'the image or tag does not exist: for QCI, the tag NS_NAME_TAG was never promoted or is misspelled (not a login problem)',
      fix: 'qci pullspec NS/NAME:TAG (check the tag), qci promoted CONFIG (what a config publishes)',
    }),
    registryHint:
      'the image may not have been promoted yet, or the name or tag is misspelled (qci pullspec NS/NAME:TAG; qci promoted CONFIG)',
    farm: (at) => ({
      message: `${at.pullSpec} is gone: the job's namespace is deleted about an hour after the job ends (or the job never built ${at.tag})`,
      hint: 'qci job-image --list SOURCE shows the tags that still exist',
      kind: 'not-found',
    }),
  },
  'platform-missing': {
    pull: (at) => ({
      message: `${at.pullSpec} has no image for the platform asked for`,
      hint: `qci inspect ${at.pullSpec} lists its platforms; pull one with --platform OS/ARCH`,
    }),
    pasted: () => ({
      detail:
        'the tag is a manifest list (image index) without an image for the platform asked for (not a login problem)',
      fix: 'qci inspect NS/NAME:TAG lists its platforms; pull one with --platform OS/ARCH',
    }),
  },
  'rate-limited': {
    pull: (at) => ({
      message: `${at.host} is rate limiting pulls`,
      hint: 'wait a minute and run the same qci pull again',
    }),
    pasted: () => ({
      detail: 'the registry is rate limiting',
      fix: 'wait a minute and retry',
    }),
    registryHint: 'wait a minute and run it again',
  },
  'server-error': {
    pull: (at) => ({
      message: `${at.host} answered with a server error`,
      hint: 'try again shortly; if it persists, ask in #forum-ocp-testplatform',
    }),
    pasted: () => ({
      detail: 'the registry had a server error',
      fix: 'retry shortly',
    }),
    registryHint: 'try again shortly',
  },
  dns: {
    pull: (at) => ({
      message: `unreachable: ${at.host} is not found in DNS`,
      hint: 'check your network and VPN',
    }),
    pasted: () => ({
      detail: 'the registry host name does not resolve',
      fix: 'check the host name, your network and VPN',
    }),
  },
  refused: {
    pull: (at) => ({
      message: `unreachable: ${at.host} refused the connection`,
      hint: UNREACHABLE_HINT,
    }),
    pasted: () => ({
      detail: 'nothing listens at the registry address',
      fix: 'check the host and port, your network and VPN',
    }),
  },
  timeout: {
    pull: (at) => ({
      message: `unreachable: ${at.host} did not answer in time`,
      hint: UNREACHABLE_HINT,
    }),
    pasted: () => ({
      detail: 'the registry did not answer in time',
      fix: 'check your network and VPN, then retry',
    }),
  },
  'http-registry': {
    pull: (at) => ({
      message: `unreachable over HTTPS: ${at.host} speaks plain HTTP`,
      hint: at.tlsVerify
        ? 'for a local test registry: --tls-verify=false'
        : 'check QCI_REGISTRY',
    }),
    pasted: () => ({
      detail: 'the registry speaks plain HTTP but the client expected HTTPS',
      fix: 'for a local test registry: --tls-verify=false',
    }),
  },
  tls: {
    pull: (at) => ({
      message: `${at.host}'s TLS certificate is not trusted`,
      hint: 'check the system CA bundle (or a TLS-inspecting proxy)',
    }),
    pasted: () => ({
      detail: 'the registry TLS certificate is not trusted',
      fix: 'check the CA bundle or a TLS-inspecting proxy',
    }),
  },
  'engine-unavailable': {
    pull: (at) => engineUnavailable(at.engine),
    pasted: () => ({
      detail:
        'the engine never reached the registry: docker could not reach its daemon, or podman its machine or remote service',
      fix: `${ENGINE_HINT.docker}; for podman, ${ENGINE_HINT.podman}`,
    }),
  },
  unknown: {
    pull: (at) => ({
      message: `${at.engine} pull failed`,
      hint: 'rerun with --verbose, or paste the error into qci doctor --explain',
    }),
    pasted: () => ({
      detail: 'qci does not recognise this error',
      fix: 'qci doctor runs every check; paste the full error into an issue if that finds nothing',
    }),
  },
};

/** One plain sentence, the exact next command, and the exit code, for each way a pull fails. */
export function explainPullFailure(
  cause: Cause,
  at: PullAt,
): Words & { exitCode: number } {
  return { ...CAUSES[cause].pull(at), exitCode: exitCodeOf(cause) };
}

/** `qci doctor --explain`'s words for a cause. */
export function explainCause(
  cause: Cause,
  host: string,
): { detail: string; fix: string } {
  return CAUSES[cause].pasted(host);
}

/** The registry client's error kinds as the causes the engine's text would give. */
export function causeOfError(error: QciError): Cause {
  switch (error.kind) {
    case 'credentials-missing':
    case 'credentials-rejected':
    case 'denied':
    case 'not-found':
    case 'platform-missing':
    case 'rate-limited':
    case 'server-error':
      return error.kind;
    case 'unreachable':
      return unreachableCause(error.message);
    default:
      return 'unknown';
  }
}

/** Node's and qci's words for an unreachable registry (registry/http.ts writes them). */
export function unreachableCause(message: string): Cause {
  if (/host not found/.test(message)) return 'dns';
  if (/connection refused/.test(message)) return 'refused';
  if (/timed out|did not answer/.test(message)) return 'timeout';
  if (/EPROTO|wrong version/i.test(message)) return 'http-registry';
  if (/TLS|CERT|certificate/i.test(message)) return 'tls';
  return 'refused';
}

/** The causes a registry's own answer (not the engine's text) can have, each with its hint. */
export type RegistryAnswerCause = Extract<
  Cause,
  | 'credentials-missing'
  | 'credentials-rejected'
  | 'denied'
  | 'not-found'
  | 'rate-limited'
  | 'server-error'
>;

/** The next command when the registry answers with this cause (qci inspect's registry client). */
export function registryHint(cause: RegistryAnswerCause): string {
  return CAUSES[cause].registryHint ?? '';
}
