/**
 * Image references: every form a CI user pastes, mapped to QCI (ci-tools pkg/api/promotion.go).
 *
 * Image stream tag NS/NAME:TAG is stored in the single repository quay.io/openshift/ci under the tag
 * NS_NAME_TAG, and pulled through quay-proxy.ci.openshift.org. Pure functions: no I/O here.
 */
import { PAYLOAD_PATH, PAYLOAD_TAG_PREFIX, ciPayloadName } from './payloads.js';
import { escapeControl } from './escape.js';
import { QciError } from './errors.js';

export const QCI_REPOSITORY_HOST = 'quay.io';
export const QCI_REPOSITORY_PATH = 'openshift/ci';
export const QCI_PROXY_HOST = 'quay-proxy.ci.openshift.org';
export const APP_CI_REGISTRY = 'registry.ci.openshift.org';
export const DECOMMISSIONED_REGISTRY = 'registry.svc.ci.openshift.org';
/** Docker's limit on a tag; a longer NS_NAME_TAG cannot exist in QCI. */
export const MAX_TAG_LENGTH = 128;

export type InputKind =
  /** ocp/4.7:my-component */
  | 'imagestreamtag'
  /** registry.ci.openshift.org/ocp/4.7:my-component */
  | 'app-ci-registry'
  /** registry.svc.ci.openshift.org/ocp/4.7:my-component */
  | 'decommissioned-registry'
  /** quay.io/openshift/ci:ocp_4.7_my-component */
  | 'qci-direct'
  /** quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_my-component (or the configured pull host) */
  | 'qci-proxy'
  /**
   * quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests:latest: a form seen in project docs that the
   * proxy does not serve (it serves only openshift/ci); read as the image stream tag it names.
   */
  | 'qci-proxy-path';

export interface ImageStreamTag {
  namespace: string;
  name: string;
  tag: string;
}

/** A reference that names an image in QCI, by tag (the usual case) or by digest. */
export interface ImageRef {
  input: string;
  kind: InputKind;
  /** Null when the input was a digest, or a QCI tag that maps back to several image stream tags. */
  imageStreamTag: ImageStreamTag | null;
  /** Every image stream tag the QCI tag could have come from; more than one means ambiguous. */
  candidates: ImageStreamTag[];
  /** NS_NAME_TAG; null for a digest reference. */
  qciTag: string | null;
  digest: string | null;
  warnings: string[];
}

/** Which part of a reference a rejection is about, so a user (or a script) knows what to fix. */
export type RefPart =
  | 'reference'
  | 'registry'
  | 'namespace'
  | 'name'
  | 'tag'
  | 'digest'
  | 'qci-tag';

export class ReferenceError extends QciError {
  readonly part: RefPart;
  readonly input: string;
  /** What is wrong, without the reference (the message says both). */
  readonly reason: string;
  constructor(input: string, part: RefPart, reason: string, hint?: string) {
    super(`invalid reference "${printable(input)}": ${reason}`, {
      kind: 'invalid-reference',
      ...(hint === undefined ? {} : { hint }),
    });
    this.part = part;
    this.input = input;
    this.reason = reason;
  }
}

// Upper case is allowed as ci-tools allows it: it joins NS_NAME_TAG as written (pkg/api/promotion.go
// QuayImage), the build cache keeps the org's case (build-cache/Azure-ARO-HCP), promotion namespaces
// such as ComplianceAsCode exist, and a Docker tag may hold upper case.
const DNS1123_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/;
const NAME = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const PRUNE_COPY = /^\d{14}_prune_(.+)$/;

const EXAMPLE = 'ocp/4.7:my-component';

/** Keeps control characters and huge inputs out of messages (they are echoed to a terminal). */
function printable(input: string): string {
  const clean = escapeControl(input);
  return clean.length > 200
    ? `${clean.slice(0, 200)}… (${clean.length} characters)`
    : clean;
}

/** Why `value` is not a valid namespace, or null when it is. */
export function namespaceProblem(value: string): string | null {
  if (value === '') return 'the namespace is empty';
  if (value.includes('_')) {
    return `namespace "${printable(value)}" contains "_"; a namespace is letters, digits and "-" (the QCI tag NS_NAME_TAG is read back by splitting at the first "_")`;
  }
  if (value.length > 63)
    return `namespace "${printable(value)}" is ${value.length} characters; the limit is 63`;
  if (!DNS1123_LABEL.test(value)) {
    return `namespace "${printable(value)}" is not valid: letters, digits and "-", starting and ending with a letter or digit`;
  }
  return null;
}

/** Why `value` is not a valid image stream name, or null when it is. */
export function nameProblem(value: string): string | null {
  if (value === '') return 'the image stream name is empty';
  if (!NAME.test(value)) {
    return `image stream name "${printable(value)}" is not valid: use letters and digits, separated by single ".", "_" or "-"`;
  }
  return null;
}

/** Why `value` is not a valid tag, or null when it is. */
export function tagProblem(value: string): string | null {
  if (value === '')
    return `the tag is empty; write NS/NAME:TAG, for example ${EXAMPLE}`;
  if (value.length > MAX_TAG_LENGTH)
    return `tag "${printable(value)}" is ${value.length} characters; the limit is ${MAX_TAG_LENGTH}`;
  if (!TAG.test(value)) {
    return `tag "${printable(value)}" is not valid: use letters, digits, "_", "." and "-", not starting with "." or "-"`;
  }
  return null;
}

/**
 * A note for names with upper case: ci-tools keeps them as written, so the QCI tag has them too; a
 * user who lower-cases the name by habit gets a tag that does not exist. Null without upper case.
 */
export function upperCaseNote(ist: ImageStreamTag): string | null {
  const parts = [
    ['namespace', ist.namespace],
    ['name', ist.name],
  ].filter(([, value]) => /[A-Z]/.test(value!));
  if (parts.length === 0) return null;
  const which = parts
    .map(([part, value]) => `${part} "${value}"`)
    .join(' and ');
  return `the ${which} has upper case; ci-tools keeps it as written in the QCI tag ${qciTagFor(ist)} (tags are case-sensitive)`;
}

/** The QCI tag for an image stream tag: NS_NAME_TAG, no escaping (ci-tools pkg/api/promotion.go). */
export function qciTagFor(ist: ImageStreamTag): string {
  return `${ist.namespace}_${ist.name}_${ist.tag}`;
}

/**
 * app.ci image streams named STREAM-quay hold references into QCI, and ci-tools serves their tags from
 * the QCI tag of STREAM: NS/STREAM-quay:TAG is NS_STREAM_TAG, for any namespace
 * (ci-tools pkg/steps/release/promote.go quayProxyTagFromISKey, at commit 52352cd19167; "ocp/4.21-quay:ovn-kubernetes" →
 * ocp_4.21_ovn-kubernetes in its promote_test.go). The suffix is matched as written, as Go's HasSuffix does.
 */
export const QUAY_STREAM_SUFFIX = '-quay';

/** NS/STREAM:TAG for NS/STREAM-quay:TAG (the image stream tag whose QCI tag it is served from); null otherwise. */
export function quayStreamSource(ist: ImageStreamTag): ImageStreamTag | null {
  if (!ist.name.endsWith(QUAY_STREAM_SUFFIX)) return null;
  const name = ist.name.slice(0, -QUAY_STREAM_SUFFIX.length);
  return name === '' ? null : { ...ist, name };
}

/** NS/STREAM-quay:TAG, the other app.ci image stream tag that is served from the QCI tag of NS/STREAM:TAG. */
export function quayStreamOf(ist: ImageStreamTag): ImageStreamTag {
  return { ...ist, name: `${ist.name}${QUAY_STREAM_SUFFIX}` };
}

/**
 * The "-quay" image stream tag served from the same QCI tag as `ref`'s image stream tag (ocp/4.23-quay:cli for
 * ocp/4.23:cli, ocp/4.23-quay:cli or ocp_4.23_cli); null when `ref` names no single image stream tag.
 */
export function quayStreamFor(ref: ImageRef): ImageStreamTag | null {
  const ist = ref.imageStreamTag;
  return ist ? quayStreamOf(quayStreamSource(ist) ?? ist) : null;
}

/** The QCI tag an image stream tag named by a user is pulled as: NS_NAME_TAG, "-quay" streams as their STREAM. */
export function qciTagForImageStreamTag(ist: ImageStreamTag): string {
  return qciTagFor(quayStreamSource(ist) ?? ist);
}

export function formatImageStreamTag(ist: ImageStreamTag): string {
  return `${ist.namespace}/${ist.name}:${ist.tag}`;
}

/**
 * Every image stream tag a QCI tag can be read back as. Namespaces never contain "_", so the
 * namespace ends at the first "_"; names and tags may both contain "_", so the rest can split
 * in more than one place. ci-tools takes the first; we report them all.
 */
export function imageStreamTagsForQciTag(qciTag: string): ImageStreamTag[] {
  const first = qciTag.indexOf('_');
  // A release payload's tag (rc_payload__NAME) names a release, not an image stream tag.
  if (first < 0 || qciTag.startsWith(PAYLOAD_TAG_PREFIX)) return [];
  const namespace = qciTag.slice(0, first);
  if (namespaceProblem(namespace) !== null) return [];
  const rest = qciTag.slice(first + 1);
  const found: ImageStreamTag[] = [];
  for (let i = rest.indexOf('_'); i >= 0; i = rest.indexOf('_', i + 1)) {
    const name = rest.slice(0, i);
    const tag = rest.slice(i + 1);
    if (nameProblem(name) === null && tagProblem(tag) === null)
      found.push({ namespace, name, tag });
  }
  return found;
}

export interface ParseOptions {
  /** The configured QCI pull host (QCI_REGISTRY), recognised besides quay-proxy.ci.openshift.org. */
  pullHost?: string;
}

/**
 * Parses one reference in any form a user pastes and maps it to QCI.
 * Throws ReferenceError naming the part that is wrong and why.
 */
export function parseReference(
  raw: string,
  options: ParseOptions = {},
): ImageRef {
  const input = raw.trim();
  if (input === '')
    throw new ReferenceError(
      raw,
      'reference',
      `the reference is empty; write NS/NAME:TAG, for example ${EXAMPLE}`,
    );
  if (/\s/.test(input))
    throw new ReferenceError(
      raw,
      'reference',
      'a reference cannot contain spaces',
    );
  // A pull spec copied as a URL (https://quay.io/openshift/ci:TAG): what follows the scheme is meant.
  const url = /^https?:\/\//i.exec(input)?.[0];
  if (url) {
    const scheme = url.slice(0, -3).toLowerCase();
    const rest = input.slice(url.length);
    if (rest === '')
      throw new ReferenceError(raw, 'reference', `nothing after ${scheme}://`);
    let meant: ImageRef;
    try {
      meant = parseReference(rest, options);
    } catch (error) {
      // Named as typed (the hint and --json's input match what the user gave), the scheme noted.
      if (!(error instanceof ReferenceError)) throw error;
      throw new ReferenceError(
        raw,
        error.part,
        `${error.reason} (read without ${scheme}://)`,
        error.hint,
      );
    }
    return {
      ...meant,
      warnings: [
        `a pull spec has no ${scheme}:// in front; read as ${rest}`,
        ...meant.warnings,
      ],
    };
  }
  const ref = input.startsWith('docker://')
    ? input.slice('docker://'.length)
    : input;

  const parts = ref.split('/');
  const first = parts[0] ?? '';
  const hasHost =
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasHost) return parseImageStreamTag(input, ref, 'imagestreamtag', []);

  const host = first.toLowerCase();
  const path = parts.slice(1).join('/');
  const pullHost = (options.pullHost ?? QCI_PROXY_HOST).toLowerCase();

  if (
    (host === APP_CI_REGISTRY || host === DECOMMISSIONED_REGISTRY) &&
    PAYLOAD_PATH.test(`/${path}`)
  )
    return payloadReference(input, path);
  if (host === APP_CI_REGISTRY) {
    return parseImageStreamTag(input, path, 'app-ci-registry', [
      `${APP_CI_REGISTRY} is app.ci's internal registry, for CI automation only; pull from QCI instead`,
    ]);
  }
  if (host === DECOMMISSIONED_REGISTRY) {
    return parseImageStreamTag(input, path, 'decommissioned-registry', [
      `${DECOMMISSIONED_REGISTRY} is decommissioned; replace this reference with the QCI pull spec`,
    ]);
  }
  if (
    host === QCI_REPOSITORY_HOST ||
    host === QCI_PROXY_HOST ||
    host === pullHost
  ) {
    const kind: InputKind =
      host === QCI_REPOSITORY_HOST ? 'qci-direct' : 'qci-proxy';
    const repository = path.split(/[:@]/)[0];
    if (
      kind === 'qci-proxy' &&
      repository !== QCI_REPOSITORY_PATH &&
      path.split('/').length === 2
    ) {
      // The proxy serves one repository; NS/NAME:TAG under it is the image stream tag meant.
      return parseImageStreamTag(input, path, 'qci-proxy-path', [
        `${host} serves only the single repository ${QCI_REPOSITORY_PATH} (QCI): "${printable(first)}/${printable(path)}" is not a pull spec there; ` +
          'read as the image stream tag it names',
      ]);
    }
    return parseQciReference(input, path, kind);
  }
  throw new ReferenceError(
    input,
    'registry',
    `"${printable(first)}" is not a QCI or OpenShift CI registry; expected NS/NAME:TAG, ${APP_CI_REGISTRY}/NS/NAME:TAG, ` +
      `${DECOMMISSIONED_REGISTRY}/NS/NAME:TAG or ${QCI_REPOSITORY_HOST}/${QCI_REPOSITORY_PATH}:NS_NAME_TAG`,
  );
}

/**
 * A release payload on app.ci's registry: a CI payload is in QCI as rc_payload__NAME (the release
 * controller's reference copy); any other (nightlies, floating tags) is not, and qci release finds it.
 */
function payloadReference(input: string, path: string): ImageRef {
  const name = ciPayloadName(`/${path}`);
  if (!name) {
    const tag = path.slice(path.indexOf(':') + 1);
    throw new ReferenceError(
      input,
      'reference',
      "a release payload QCI does not hold: QCI holds the CI payloads only (as rc_payload__NAME); nightly and other payloads stay on app.ci's registry",
      `qci release ${/^\d/.test(tag) ? tag : 'STREAM'} says where a payload is; --pull pulls it`,
    );
  }
  const qciTag = `${PAYLOAD_TAG_PREFIX}${name}`;
  return {
    input,
    kind: 'app-ci-registry',
    imageStreamTag: null,
    candidates: [],
    qciTag,
    digest: null,
    warnings: [
      `a CI release payload: QCI holds it as ${qciTag}, the release controller's copy`,
    ],
  };
}

function splitDigest(
  input: string,
  path: string,
): { path: string; digest: string | null } {
  const at = path.indexOf('@');
  if (at < 0) return { path, digest: null };
  const digest = path.slice(at + 1);
  if (!DIGEST.test(digest))
    throw new ReferenceError(
      input,
      'digest',
      `"${printable(digest)}" is not a digest (expected sha256:<64 hex digits>)`,
    );
  return { path: path.slice(0, at), digest };
}

function parseImageStreamTag(
  input: string,
  path: string,
  kind: InputKind,
  warnings: string[],
): ImageRef {
  const split = splitDigest(input, path);
  const segments = split.path.split('/');
  if (segments.length !== 2) {
    throw new ReferenceError(
      input,
      'reference',
      `expected NS/NAME:TAG (two path parts), got ${segments.length} part${segments.length === 1 ? '' : 's'}`,
      `for example: qci pullspec ${EXAMPLE}`,
    );
  }
  const namespace = segments[0] ?? '';
  const nameAndTag = segments[1] ?? '';
  const colon = nameAndTag.indexOf(':');
  const name = colon < 0 ? nameAndTag : nameAndTag.slice(0, colon);

  const nsProblem = namespaceProblem(namespace);
  if (nsProblem) throw new ReferenceError(input, 'namespace', nsProblem);
  const nmProblem = nameProblem(name);
  if (nmProblem) throw new ReferenceError(input, 'name', nmProblem);

  if (split.digest !== null) {
    throw new ReferenceError(
      input,
      'digest',
      `a digest reference has no QCI tag: QCI stores images by tag as NS_NAME_TAG`,
      `use the image stream tag instead, for example ${namespace}/${name}:latest`,
    );
  }
  if (colon < 0) {
    throw new ReferenceError(
      input,
      'tag',
      `missing tag: write ${namespace}/${name}:TAG (QCI has no default tag)`,
    );
  }
  const tag = nameAndTag.slice(colon + 1);
  const tgProblem = tagProblem(tag);
  if (tgProblem) throw new ReferenceError(input, 'tag', tgProblem);

  const imageStreamTag = { namespace, name, tag };
  const source = quayStreamSource(imageStreamTag);
  const qciTag = qciTagForImageStreamTag(imageStreamTag);
  if (qciTag.length > MAX_TAG_LENGTH) {
    throw new ReferenceError(
      input,
      'qci-tag',
      `its QCI tag "${qciTag}" is ${qciTag.length} characters; a tag is at most ${MAX_TAG_LENGTH}, so this image cannot exist in QCI`,
    );
  }
  const allWarnings = [...warnings];
  if (source) allWarnings.push(quayStreamNote(imageStreamTag, source));
  const upper = upperCaseNote(imageStreamTag);
  if (upper) allWarnings.push(upper);
  const candidates = imageStreamTagsForQciTag(qciTag);
  if (candidates.length > 1) {
    allWarnings.push(
      `its QCI tag ${qciTag} also reads as ${describeOthers(candidates, source ?? imageStreamTag)}`,
    );
  }
  return {
    input,
    kind,
    imageStreamTag,
    candidates: [imageStreamTag],
    qciTag,
    digest: null,
    warnings: allWarnings,
  };
}

function quayStreamNote(ist: ImageStreamTag, source: ImageStreamTag): string {
  return (
    `${ist.namespace}/${ist.name} is a "${QUAY_STREAM_SUFFIX}" image stream: ci-tools serves its tags from ` +
    `the QCI tags of ${source.namespace}/${source.name}, here ${qciTagFor(source)} (${formatImageStreamTag(source)})`
  );
}

function describeOthers(
  candidates: ImageStreamTag[],
  self: ImageStreamTag,
): string {
  return candidates
    .filter((c) => formatImageStreamTag(c) !== formatImageStreamTag(self))
    .map(formatImageStreamTag)
    .join(', ');
}

function parseQciReference(
  input: string,
  path: string,
  kind: InputKind,
): ImageRef {
  const split = splitDigest(input, path);
  const colon = split.path.indexOf(':');
  const repository = colon < 0 ? split.path : split.path.slice(0, colon);
  if (repository !== QCI_REPOSITORY_PATH) {
    throw new ReferenceError(
      input,
      'reference',
      `QCI is the single repository ${QCI_REPOSITORY_PATH}; "${printable(repository)}" is not it`,
      `QCI pull specs look like ${QCI_PROXY_HOST}/${QCI_REPOSITORY_PATH}:ocp_4.7_my-component`,
    );
  }
  if (split.digest !== null)
    return {
      input,
      kind,
      imageStreamTag: null,
      candidates: [],
      qciTag: null,
      digest: split.digest,
      // As podman reads NAME:TAG@DIGEST (containers/common normalises it): the digest, the tag dropped.
      warnings:
        colon >= 0
          ? [
              `the digest names the image; the tag ${printable(split.path.slice(colon + 1))} is not used`,
            ]
          : [],
    };
  if (colon < 0) {
    throw new ReferenceError(
      input,
      'qci-tag',
      `missing tag: QCI pull specs end in :NS_NAME_TAG, for example :ocp_4.7_my-component`,
    );
  }
  const qciTag = split.path.slice(colon + 1);
  const tgProblem = tagProblem(qciTag);
  if (tgProblem) throw new ReferenceError(input, 'qci-tag', tgProblem);

  // A timestamp is a valid namespace, so pruning copies would otherwise read as ts/prune:NS_NAME_TAG.
  const prune = PRUNE_COPY.exec(qciTag);
  if (prune) {
    throw new ReferenceError(
      input,
      'qci-tag',
      `"${qciTag}" is a pruning copy of ${prune[1]}, not an image stream tag`,
    );
  }
  // A payload the release controller put in QCI: its tag names a release, not an image stream tag.
  if (qciTag.startsWith(PAYLOAD_TAG_PREFIX))
    return {
      input,
      kind,
      imageStreamTag: null,
      candidates: [],
      qciTag,
      digest: null,
      warnings: [],
    };
  const candidates = imageStreamTagsForQciTag(qciTag);
  if (candidates.length === 0) {
    throw new ReferenceError(
      input,
      'qci-tag',
      `QCI tag "${printable(qciTag)}" does not read as NS_NAME_TAG (a DNS-1123 namespace, an image stream name and a tag joined by "_")`,
    );
  }
  const warnings: string[] = [];
  if (candidates.length > 1) {
    warnings.push(
      `QCI tag ${qciTag} is ambiguous: it maps back to ${candidates.map(formatImageStreamTag).join(' or ')}; ` +
        'the pull spec is the same either way',
    );
  }
  return {
    input,
    kind,
    imageStreamTag: candidates.length === 1 ? (candidates[0] ?? null) : null,
    candidates,
    qciTag,
    digest: null,
    warnings,
  };
}

/** The pull spec users pull: HOST/openshift/ci:NS_NAME_TAG (or @digest). */
export function pullSpecFor(
  ref: ImageRef,
  pullHost: string = QCI_PROXY_HOST,
): string {
  return `${pullHost}/${QCI_REPOSITORY_PATH}${ref.digest !== null ? `@${ref.digest}` : `:${ref.qciTag}`}`;
}

/** The authoritative quay.io/openshift/ci form (push side; not pullable without quay.io access). */
export function directSpecFor(ref: ImageRef): string {
  return pullSpecFor(ref, QCI_REPOSITORY_HOST);
}

/**
 * The reference meant when `input` has a slash where the tag's colon goes (ocp/4.7/my-component is
 * ocp/4.7:my-component), or is a QCI tag alone (ocp_4.7_my-component): that reference, when it
 * parses; else null.
 */
export function referenceMeant(
  input: string,
  options: ParseOptions = {},
): string | null {
  // As parseReference reads it: trimmed, and a pull spec copied as a URL without its scheme.
  const text = input.trim().replace(/^https?:\/\//i, '');
  const slash = text.lastIndexOf('/');
  // A QCI tag alone (ocp_4.7_cli): NS_NAME_TAG back to NS/NAME:TAG, where the two "_" say which is which.
  const tag = /^([^_/:@]+)_([^_/:@]+)_([^_/:@]+)$/.exec(text);
  if (slash < 0 && !tag) return null;
  if (slash >= 0 && /[:@]/.test(text.slice(slash))) return null;
  const meant = tag
    ? `${tag[1]}/${tag[2]}:${tag[3]}`
    : `${text.slice(0, slash)}:${text.slice(slash + 1)}`;
  try {
    parseReference(meant, options);
    return meant;
  } catch (error) {
    if (error instanceof ReferenceError) return null;
    throw error;
  }
}
