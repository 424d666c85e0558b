/**
 * Release payloads of the OpenShift release controllers: what `qci release` takes (a version, a stream,
 * a release name), which controller answers for an architecture, and where a payload lives in QCI.
 * Pure: the session asks the controller and QCI.
 *
 * - One controller per architecture, `https://<arch>.ocp.releases.ci.openshift.org` (ci-tools
 *   pkg/release/candidate `ServiceHost`); its JSON API is `/api/v1/releasestream/<stream>/latest`,
 *   `…/<stream>/tags` and `/api/v1/releasestreams/all` (openshift/release-controller
 *   cmd/release-controller-api/http.go).
 * - Streams other than amd64 carry the architecture as a suffix: `4.7.0-0.ci-ppc64le`,
 *   `4.8.0-0.nightly-s390x`, `4.19.0-0.nightly-multi` (ci-tools pkg/release/candidate client_test.go);
 *   a release is named `<stream>-YYYY-MM-DD-HHMMSS` (release-controller hack/release-tool.py).
 * - A stream with `referenceRelease` publishes `<pullRepository>:rc_payload__<name>`
 *   (release-controller pkg/release-controller `ReleasePullSpec`, `ReferencePayloadTag`); the CI streams
 *   name QCI (openshift/release core-services/release-controller/_releases/release-ocp-4.22-ci.json).
 */
import { usageError } from './errors.js';
import { PAYLOAD_TAG_PREFIX } from './payloads.js';
import {
  APP_CI_REGISTRY,
  MAX_TAG_LENGTH,
  QCI_PROXY_HOST,
  QCI_REPOSITORY_HOST,
  QCI_REPOSITORY_PATH,
} from './reference.js';

import { ARCHITECTURES, type Architecture } from './architectures.js';
export type { Architecture };

/** The public host of an architecture's release controller. */
function controllerHost(arch: Architecture): string {
  return `${arch}.ocp.releases.ci.openshift.org`;
}

/** The API base: `--release-controller` / QCI_RELEASE_CONTROLLER when set, else the architecture's host. */
export function controllerBase(
  arch: Architecture,
  override?: string | undefined,
): string {
  return (override ?? `https://${controllerHost(arch)}`).replace(/\/+$/, '');
}

/** The stream-name suffix of an architecture: none for amd64, `-arm64` and so on otherwise. */
function archSuffix(arch: Architecture): string {
  return arch === 'amd64' ? '' : `-${arch}`;
}

/** QCI's tag for a payload: `rc_payload__<name>`. */
export function payloadTag(name: string): string {
  return `${PAYLOAD_TAG_PREFIX}${name}`;
}

/** What STREAM_OR_NAME means: a stream (its latest accepted release) or one release. */
export type ReleaseInput =
  | { kind: 'stream'; stream: string; arch: Architecture }
  | { kind: 'release'; name: string; stream: string; arch: Architecture };

const VERSION = /^(\d+)\.(\d+)$/;
/** The architectures a stream name carries as a suffix (amd64's streams carry none). */
const SUFFIXED = ARCHITECTURES.filter((a) => a !== 'amd64').join('|');
// 4.18.0-0.ci, 4.18.0-0.nightly-arm64, 4.18.0-0.nightly-arm64-priv, 4.8.0-0.okd
const STREAM = new RegExp(
  `^(\\d+\\.\\d+\\.\\d+-0\\.[a-z]+)(?:-(${SUFFIXED}))?(-priv)?$`,
);
const STAMP = /-(\d{4}-\d{2}-\d{2}-\d{6})$/;
// Stable and pre-release names: 4.18.3 (4-stable), 4.19.0-ec.2 / -rc.1 (4-dev-preview), -multi suffixed.
const SEMVER = new RegExp(
  `^(\\d+)\\.\\d+\\.\\d+(?:-(?:ec|rc|fc)\\.\\d+)?(?:-(${SUFFIXED}))?$`,
);
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;

/** Where payloads are: app.ci's release streams, quay.io's release repositories, QCI (rc_payload__NAME). */
const PAYLOAD_REPOSITORY =
  /^(?:registry\.ci\.openshift\.org\/(?:ocp|origin|okd|ocp-[a-z0-9]+)\/release(?:-[a-z0-9]+)?|quay\.io\/openshift-release-dev\/ocp-release(?:-nightly)?|(?:quay-proxy\.ci\.openshift\.org|quay\.io)\/openshift\/ci)$/;

/** quay.io's names of a stable release: 4.18.3-x86_64, 4.18.3-aarch64 (oc adm release info takes them). */
const QUAY_RELEASE =
  /^(\d+\.\d+\.\d+(?:-(?:ec|rc|fc)\.\d+)?)-(x86_64|aarch64)$/;

/**
 * What `qci release` is given, read as a name: a payload's pull spec pasted whole
 * (registry.ci.openshift.org/ocp/release:NAME, quay.io/openshift-release-dev/ocp-release:4.18.3-x86_64)
 * is its tag; quay.io's architecture suffix is the architecture.
 */
function releaseNameIn(text: string): {
  input: string;
  named?: Architecture;
} {
  const pasted = /^([^/\s]+(?:\/[^/:@\s]+)+):([^/:@\s]+)$/.exec(text);
  if (pasted && !PAYLOAD_REPOSITORY.test(pasted[1]!.toLowerCase()))
    throw usageError(
      `${pasted[1]!.slice(0, 120)} is not a repository of release payloads`,
      {
        kind: 'invalid-reference',
        hint: `give the release's name (qci release ${pasted[2]!.slice(0, 80)}), or a payload's pull spec from registry.ci.openshift.org, quay.io/openshift-release-dev or QCI`,
      },
    );
  const tag = pasted ? pasted[2]! : text;
  const input = tag.startsWith(PAYLOAD_TAG_PREFIX)
    ? tag.slice(PAYLOAD_TAG_PREFIX.length)
    : tag;
  const quay = QUAY_RELEASE.exec(input);
  return quay
    ? { input: quay[1]!, named: quay[2] === 'aarch64' ? 'arm64' : 'amd64' }
    : { input };
}

function checkArch(
  input: string,
  named: Architecture | undefined,
  given: Architecture | undefined,
): Architecture {
  if (named && given && named !== given)
    throw usageError(`${input} names ${named}, and --arch says ${given}`, {
      hint: `drop --arch, or use --arch ${named}`,
    });
  return named ?? given ?? 'amd64';
}

/**
 * `4.18` → the `4.18.0-0.ci` stream (with `--arch arm64`: `4.18.0-0.ci-arm64`); a stream name as it is;
 * `<stream>-YYYY-MM-DD-HHMMSS` → that release of that stream; `4.18.3` → a release of `4-stable`.
 * A name that carries an architecture picks it; `arch` (--arch) must then agree.
 */
export function parseReleaseInput(
  raw: string,
  arch?: Architecture,
): ReleaseInput {
  const { input, named: quayArch } = releaseNameIn(raw.trim());
  if (quayArch) arch = checkArch(raw.trim(), quayArch, arch);
  if (!SAFE.test(input))
    throw usageError(
      `"${input.slice(0, 80)}" is not a release stream or name`,
      {
        kind: 'invalid-reference',
        hint: 'for example: qci release 4.18, qci release 4.18.0-0.nightly, qci release 4.18.0-0.ci-2026-11-20-101010',
      },
    );
  const version = VERSION.exec(input);
  if (version) {
    const a = arch ?? 'amd64';
    return {
      kind: 'stream',
      stream: `${input}.0-0.ci${archSuffix(a)}`,
      arch: a,
    };
  }
  const stamp = STAMP.exec(input);
  const base = stamp ? input.slice(0, stamp.index) : input;
  const stream = STREAM.exec(base);
  if (stream) {
    const a = checkArch(input, stream[2] as Architecture | undefined, arch);
    if (stamp && !stream[2] && a !== 'amd64')
      throw usageError(
        `${input} is an amd64 release; one for ${a} has a name of its own`,
        { hint: `its stream's latest: qci release ${withArch(base, a)}` },
      );
    return stamp
      ? { kind: 'release', name: input, stream: base, arch: a }
      : { kind: 'stream', stream: withArch(input, a), arch: a };
  }
  const semver = SEMVER.exec(input);
  if (semver && !stamp) {
    const a = checkArch(input, semver[2] as Architecture | undefined, arch);
    const channel = /-(?:ec|rc|fc)\./.test(input) ? 'dev-preview' : 'stable';
    return {
      kind: 'release',
      name: input,
      stream: `${semver[1]}-${channel}${archSuffix(a)}`,
      arch: a,
    };
  }
  // Any other name (4-stable, 4-dev-preview-arm64, a stream qci does not know the shape of) is a stream.
  const named = ARCH_SUFFIX.exec(input)?.[1] as Architecture | undefined;
  const a = checkArch(input, named, arch);
  return { kind: 'stream', stream: withArch(input, a), arch: a };
}

const ARCH_SUFFIX = new RegExp(`-(${SUFFIXED})(?:-priv)?$`);

/**
 * A stream named without its architecture, for --arch's controller: `4.18.0-0.nightly` with arm64 is
 * `4.18.0-0.nightly-arm64` (before a `-priv`), as ci-tools names them (pkg/release/candidate Endpoint).
 */
function withArch(stream: string, a: Architecture): string {
  if (a === 'amd64' || ARCH_SUFFIX.test(stream)) return stream;
  const priv = stream.endsWith('-priv') ? '-priv' : '';
  return `${stream.slice(0, stream.length - priv.length)}${archSuffix(a)}${priv}`;
}

/** A release name as a controller may answer it: what a QCI tag can carry after rc_payload__. */
export function isReleaseName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,114}$/.test(name);
}

/** Where a pull spec points: QCI (the given pull host), app.ci's registry, or elsewhere. */
export type PayloadLocation = 'qci' | 'app.ci' | 'other';

/** `host/openshift/ci:rc_payload__NAME` on the QCI pull host. */
export function qciPayloadSpec(qciHost: string, name: string): string {
  return `${qciHost}/${QCI_REPOSITORY_PATH}:${payloadTag(name)}`;
}

/** The QCI tag a payload would have, or why it cannot (docker tags are at most 128 characters). */
export function payloadTagProblem(name: string): string | null {
  return payloadTag(name).length > MAX_TAG_LENGTH
    ? `${payloadTag(name)} is longer than ${MAX_TAG_LENGTH} characters: QCI cannot hold it`
    : null;
}

export function locationOf(pullSpec: string, qciHost: string): PayloadLocation {
  const host = hostOf(pullSpec).toLowerCase();
  if (host === qciHost.toLowerCase() || host === QCI_PROXY_HOST) return 'qci';
  // quay.io/openshift/ci itself, not quay.io/openshift/ci-tools.
  const quay = `${QCI_REPOSITORY_HOST}/${QCI_REPOSITORY_PATH}`;
  if (pullSpec.startsWith(quay) && /^[:@]/.test(pullSpec.slice(quay.length)))
    return 'qci';
  if (host === APP_CI_REGISTRY) return 'app.ci';
  return 'other';
}

/** The registry host of a pull spec (what a login must name). */
export function hostOf(pullSpec: string): string {
  return pullSpec.split('/')[0] ?? '';
}

/** `host/path:tag` or `host/path@sha256:…` as registry API parts; null for anything else. */
export function splitPullSpec(
  spec: string,
): { host: string; repository: string; reference: string } | null {
  const m =
    /^([A-Za-z0-9.-]+(?::\d{1,5})?)\/([a-z0-9._/-]+?)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(sha256:[0-9a-f]{64}))$/.exec(
      spec,
    );
  // A first part without a dot or port is a namespace (docker.io's rule), not a host.
  if (!m || !/[.:]|^localhost$/.test(m[1]!)) return null;
  return { host: m[1]!, repository: m[2]!, reference: (m[3] ?? m[4])! };
}

/**
 * The streams to name when one is unknown: those sharing the longest start with it first
 * (4.18.0-0.nightly for a mistyped 4.18.0-0.nighty), then newest version first; at most `max`, and
 * how many were left out.
 */
export function streamsToShow(
  all: readonly string[],
  wanted: string,
  max = 12,
): { shown: string[]; more: number } {
  const shared = (s: string) => {
    let n = 0;
    while (n < s.length && s[n] === wanted[n]) n++;
    // Only a start beyond the version counts (4.18.0-0.ni…), not a common "4.1".
    return n > (/^\d+\.\d+\.\d+-0\./.exec(wanted)?.[0].length ?? Infinity)
      ? n
      : 0;
  };
  const version = (s: string) =>
    (/^(\d+)\.(\d+)/.exec(s) ?? [])
      .slice(1)
      .map((n) => n.padStart(4, '0'))
      .join('.');
  const sorted = [...all].sort(
    (a, b) =>
      shared(b) - shared(a) ||
      version(b).localeCompare(version(a)) ||
      a.localeCompare(b),
  );
  return {
    shown: sorted.slice(0, max),
    more: Math.max(0, sorted.length - max),
  };
}

/** Component names like `wanted` (one contains the other, or they share a 4-letter start); at most 5. */
export function closestNames(
  names: readonly string[],
  wanted: string,
): string[] {
  const w = wanted.toLowerCase();
  return names
    .filter((n) => {
      const l = n.toLowerCase();
      return (
        l.includes(w) ||
        w.includes(l) ||
        (w.length >= 4 && l.startsWith(w.slice(0, 4)))
      );
    })
    .slice(0, 5);
}
