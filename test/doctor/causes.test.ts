/** The one table of causes: what pull, inspect, job-image --pull and doctor --explain say of each. */
import { describe, expect, it } from 'vitest';
import {
  CAUSES,
  causeGivenSent,
  causeOfError,
  explainCause,
  explainPullFailure,
  registryHint,
  type Cause,
} from '../../src/core/causes.js';
import { ExitCode, QciError } from '../../src/core/errors.js';
import { explainError } from '../../src/doctor/doctor.js';

const HOST = 'quay-proxy.ci.openshift.org';
const SPEC = `${HOST}/openshift/ci:ocp_4.15_cli`;
const at = {
  pullSpec: SPEC,
  qciTag: 'ocp_4.15_cli',
  host: HOST,
  engine: 'podman' as const,
  tlsVerify: true,
};

describe('explainPullFailure', () => {
  // biome-ignore format: one line per case
  it.each<[Cause, string, string, number]>([
    ['credentials-missing', `${HOST} wants credentials and podman sent none it accepts`, 'qci login', ExitCode.authRequired],
    ['credentials-rejected', `${HOST} rejected the credential podman sent: its app.ci token has expired or was revoked`, 'qci doctor (to see which file holds it), then qci login', ExitCode.authRequired],
    ['token-expired', `${HOST} rejected the credential podman sent: its app.ci token has expired or was revoked`, 'qci doctor (to see which file holds it), then qci login', ExitCode.authRequired],
    ['not-found', `not found: QCI has no tag ocp_4.15_cli (tried ${SPEC}); the image may not have been promoted yet, or the name or tag is misspelled`, 'check the promotion of the ci-operator config that builds it (qci promoted CONFIG)', ExitCode.notFound],
    ['rate-limited', `${HOST} is rate limiting pulls`, 'wait a minute and run the same qci pull again', ExitCode.failure],
    ['dns', `unreachable: ${HOST} is not found in DNS`, 'check your network and VPN', ExitCode.unreachable],
    ['refused', `unreachable: ${HOST} refused the connection`, 'check your network and VPN, then try again', ExitCode.unreachable],
    ['timeout', `unreachable: ${HOST} did not answer in time`, 'check your network and VPN, then try again', ExitCode.unreachable],
    ['http-registry', `unreachable over HTTPS: ${HOST} speaks plain HTTP`, 'for a local test registry: --tls-verify=false', ExitCode.unreachable],
    ['tls', `${HOST}'s TLS certificate is not trusted`, 'check the system CA bundle (or a TLS-inspecting proxy)', ExitCode.unreachable],
    ['unknown', 'podman pull failed', 'rerun with --verbose, or paste the error into qci doctor --explain', ExitCode.failure],
  ])('%s', (cause, message, hint, exitCode) => {
    expect(explainPullFailure(cause, at)).toEqual({ message, hint, exitCode });
  });

  it('plain HTTP with TLS verification already off: check the registry setting', () => {
    expect(
      explainPullFailure('http-registry', { ...at, tlsVerify: false }).hint,
    ).toBe('check QCI_REGISTRY');
  });

  it('every cause has its words for pull and for doctor --explain', () => {
    for (const cause of Object.keys(CAUSES) as Cause[]) {
      expect(explainPullFailure(cause, at).message).not.toBe('');
      expect(explainCause(cause, HOST).detail).not.toBe('');
    }
  });
});

describe('causeGivenSent: the cause agrees with what the engine sent', () => {
  // biome-ignore format: one line per case
  it.each<[Cause, 'nothing' | 'credential' | 'unknown', Cause]>([
    ['credentials-rejected', 'nothing', 'credentials-missing'],
    ['token-expired', 'nothing', 'credentials-missing'],
    ['credentials-missing', 'nothing', 'credentials-missing'],
    ['credentials-missing', 'credential', 'credentials-rejected'],
    ['credentials-rejected', 'credential', 'credentials-rejected'],
    ['token-expired', 'credential', 'token-expired'],
    ['credentials-missing', 'unknown', 'credentials-missing'],
    ['credentials-rejected', 'unknown', 'credentials-rejected'],
    ['not-found', 'nothing', 'not-found'],
    ['denied', 'credential', 'denied'],
  ])('%s with %s sent: %s', (cause, sent, expected) => {
    expect(causeGivenSent(cause, sent)).toBe(expected);
  });

  it('a rejected credential whose file is known is named, and the login that replaces it', () => {
    const words = explainPullFailure('credentials-rejected', {
      ...at,
      sentFrom: `${HOST} in ~/a.json`,
      authfile: '/tmp/a.json',
    });
    expect(words.message).toBe(
      `${HOST} rejected the credential podman sent (${HOST} in ~/a.json): its app.ci token has expired or was revoked`,
    );
    expect(words.hint).toBe('qci login --authfile /tmp/a.json');
  });
});

describe('doctor --explain: a pasted error', () => {
  // biome-ignore format: one line per case
  it.each([
    ['Error: unable to retrieve auth token: invalid username/password: unauthorized', 'credentials-rejected', 'qci doctor --fix'],
    ['Error: reading manifest x in y: manifest unknown', 'not-found', 'qci pullspec NS/NAME:TAG (check the tag), qci promoted CONFIG (what a config publishes)'],
    ['dial tcp: lookup nowhere: no such host', 'dns', 'check the host name, your network and VPN'],
    ['something else entirely', 'unknown', 'qci doctor runs every check; paste the full error into an issue if that finds nothing'],
  ])('%s', (text, cause, fix) => {
    const explained = explainError(text, HOST);
    expect([explained.cause, explained.fix]).toEqual([cause, fix]);
  });

  it('names the host for a rejected credential', () => {
    expect(explainError('invalid username/password', HOST).detail).toBe(
      `the registry rejected the stored credential: for ${HOST} that means its app.ci token expired (they last 28 days) or was revoked`,
    );
  });
});

describe("the registry client's errors as causes", () => {
  // biome-ignore format: one line per case
  it.each([
    ['credentials-rejected', 'x', 'credentials-rejected'],
    ['not-found', 'x', 'not-found'],
    ['unreachable', `${HOST}: host not found (DNS)`, 'dns'],
    ['unreachable', `${HOST}: connection refused`, 'refused'],
    ['unreachable', `${HOST}: timed out`, 'timeout'],
    ['unreachable', `${HOST}: EPROTO wrong version number`, 'http-registry'],
    ['unreachable', `${HOST}: certificate has expired`, 'tls'],
    ['registry-error', 'x', 'unknown'],
  ] as const)('%s (%s) is %s', (kind, message, cause) => {
    expect(causeOfError(new QciError(message, { kind }))).toBe(cause);
  });

  it.each([
    ['credentials-missing', 'qci login'],
    ['rate-limited', 'wait a minute and run it again'],
  ] as const)('inspect hints %s: %s', (cause, hint) => {
    expect(registryHint(cause)).toBe(hint);
  });
});

describe("job-image --pull: a build farm's registry", () => {
  const farm = {
    registry: 'registry.build01.ci.openshift.org',
    pullSpec: 'registry.build01.ci.openshift.org/ci-op-x/pipeline:src',
    tag: 'src',
  };
  // biome-ignore format: one line per case
  it.each([
    ['denied', 'denied'],
    ['credentials-missing', 'denied'],
    ['credentials-rejected', 'denied'],
    ['not-found', 'not-found'],
    ['token-expired', undefined],
    ['server-error', undefined],
  ] as const)('%s is %s', (cause, kind) => {
    expect(CAUSES[cause].farm?.(farm).kind).toBe(kind);
  });
});
