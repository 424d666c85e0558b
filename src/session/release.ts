/**
 * qci release: a stream's latest accepted release (or a named one) from the release controller, and
 * where its payload really is. For a CI stream (whose payloads the controller copies to QCI), or a
 * payload the controller places at QCI or no longer lists, QCI is asked for `rc_payload__<name>` with
 * the credential the engine sends (as qci inspect asks), and:
 * - QCI has it: QCI's pull spec, whatever the controller says;
 * - QCI lacks it, the controller points elsewhere (nightlies at registry.ci.openshift.org): the
 *   controller's pull spec;
 * - QCI lacks it and the controller points at QCI, or no longer lists the release: pruned (exit 5).
 *   The controller prunes a release and has QCI's pruner drop its tag (`remove__rc_payload__<name>`,
 *   openshift/release hack/qci_registry_pruner.py), so neither holds it any more;
 * - QCI cannot be asked (--no-login without a credential, QCI unreachable): the controller's, warned.
 */
import { QciError } from '../core/errors.js';
import {
  controllerBase,
  isReleaseName,
  locationOf,
  parseReleaseInput,
  payloadTag,
  payloadTagProblem,
  qciPayloadSpec,
  splitPullSpec,
  type Architecture,
  type PayloadLocation,
  type ReleaseInput,
} from '../core/release.js';
import type { ApiTag } from '../core/release-api.js';
import { QCI_REPOSITORY_PATH } from '../core/reference.js';
import { topDigest } from '../registry/layers.js';
import { withRememberedSession } from './registry-session.js';
import { readWithLogin, registryHttp, registryOptions } from './inspect.js';
import {
  fetchLatest,
  fetchStreamTags,
  OTHER_API_HINT,
  type ControllerOptions,
} from './release-controller.js';
import type { AuthSetup } from './setup.js';

export interface ReleaseRequest {
  input: string;
  arch?: Architecture | undefined;
  authfile?: string | undefined;
  /** Log in when QCI wants a credential the engine lacks (as qci inspect does); default true. */
  login?: boolean;
  timeoutMs?: number | undefined;
  log?: (line: string) => void;
  say?: (line: string) => void;
}

export interface ReleaseReport {
  input: string;
  /** The release's name, e.g. 4.18.0-0.ci-2026-11-20-101010. */
  name: string;
  stream: string;
  arch: Architecture;
  /** The controller's phase (Accepted, …); null when the controller no longer lists the release. */
  phase: string | null;
  /** The API base asked. */
  controller: string;
  /** Where the payload is: what to pull. */
  pullSpec: string;
  /** The payload's digest (the manifest list's, for multi) when qci read it from QCI; else null. */
  digest: string | null;
  location: PayloadLocation;
  /** What the controller answered (null when it no longer lists the release). */
  controllerPullSpec: string | null;
  /** QCI's tag for the release, and whether QCI has it. */
  qci: { pullSpec: string; present: boolean | null };
  warnings: string[];
}

/** The digest of rc_payload__<name> in QCI, asked with the engine's credential (logging in once if asked to). */
async function qciDigest(
  setup: AuthSetup,
  name: string,
  request: ReleaseRequest,
): Promise<string> {
  const target = {
    host: setup.settings.registry,
    repository: QCI_REPOSITORY_PATH,
    reference: payloadTag(name),
  };
  const { value } = await readWithLogin(setup, request, async () => {
    const { options } = await registryOptions(setup, request);
    return withRememberedSession(setup, target, options, (s) =>
      topDigest(s, target),
    );
  });
  return value;
}

/** QCI's answer for rc_payload__<name>: its digest, or absent; an unreadable QCI is the caller's to weigh. */
async function askQci(
  setup: AuthSetup,
  name: string,
  request: ReleaseRequest,
): Promise<{
  digest: string | null;
  present: boolean | null;
  warning?: string;
}> {
  const problem = payloadTagProblem(name);
  if (problem) return { digest: null, present: false, warning: problem };
  try {
    return { digest: await qciDigest(setup, name, request), present: true };
  } catch (error) {
    if (!(error instanceof QciError)) throw error;
    if (error.kind === 'not-found') return { digest: null, present: false };
    return {
      digest: null,
      present: null,
      warning: `could not ask QCI for the release (${error.message})`,
    };
  }
}

/** The controller's tag for the input: the stream's latest accepted, or the named release (null if unlisted). */
async function controllerTag(
  parsed: ReleaseInput,
  options: ControllerOptions,
): Promise<ApiTag | null> {
  if (parsed.kind === 'stream') return fetchLatest(parsed.stream, options);
  const release = await fetchStreamTags(parsed.stream, options);
  return release.tags?.find((t) => t.name === parsed.name) ?? null;
}

/** `qci release STREAM [--arch A]`: the next step when a release is gone. */
export function latestCommand(stream: string, arch: Architecture): string {
  return `qci release ${stream}${arch === 'amd64' ? '' : ` --arch ${arch}`}`;
}

function pruned(
  parsed: ReleaseInput,
  name: string,
  listed: boolean,
  qciSpec: string,
): QciError {
  return new QciError(
    listed
      ? `${name} is no longer in QCI (${qciSpec} is gone): the release controller has had it pruned`
      : `${name} is gone: the release controller no longer lists it in ${parsed.stream} and QCI has no ${qciSpec.split(':').at(-1)}`,
    {
      kind: 'release-gone',
      hint: `take the stream's latest: ${latestCommand(parsed.stream, parsed.arch)}`,
    },
  );
}

/** The controller's words are checked before they name a tag or reach the engine. */
function checkedTag(tag: ApiTag | null, controller: string): ApiTag | null {
  const bad = !tag
    ? null
    : !isReleaseName(tag.name)
      ? `a release name qci cannot use (${JSON.stringify(tag.name.slice(0, 80))})`
      : tag.pullSpec && !splitPullSpec(tag.pullSpec)
        ? `a pull spec qci cannot use (${JSON.stringify(tag.pullSpec.slice(0, 120))})`
        : null;
  if (bad)
    throw new QciError(
      `the release controller at ${controller} answered ${bad}`,
      {
        kind: 'release-controller-error',
        hint: OTHER_API_HINT,
      },
    );
  return tag;
}

/** 4.18.0-0.ci, 4.18.0-0.ci-arm64: the streams whose payloads the release controller copies to QCI. */
const CI_STREAM = /^\d+\.\d+\.\d+-0\.ci(?:-|$)/;

/** Resolves STREAM_OR_NAME to the pull spec where its payload is. */
export async function resolveRelease(
  setup: AuthSetup,
  request: ReleaseRequest,
): Promise<ReleaseReport> {
  const parsed = parseReleaseInput(request.input, request.arch);
  const controller = controllerBase(
    parsed.arch,
    setup.settings.releaseController,
  );
  const options: ControllerOptions = {
    base: controller,
    ...registryHttp(setup, request),
  };
  const tag = checkedTag(await controllerTag(parsed, options), controller);
  const name = tag?.name ?? (parsed.kind === 'release' ? parsed.name : '');
  const qciSpec = qciPayloadSpec(setup.settings.registry, name);
  const given = tag?.pullSpec || null;
  const givenAt = given ? locationOf(given, setup.settings.registry) : null;
  // Only the CI streams copy their payloads to QCI: a nightly or stable payload the controller places
  // elsewhere is believed, with no login and no request to QCI.
  const qci =
    !given || givenAt === 'qci' || CI_STREAM.test(parsed.stream)
      ? await askQci(setup, name, request)
      : { digest: null, present: null };
  if (qci.present === false && (!given || givenAt === 'qci'))
    throw pruned(parsed, name, tag !== null, qciSpec);
  const inQci = qci.present === true || !given;
  const pullSpec = inQci ? qciSpec : given;
  return {
    input: request.input,
    name,
    stream: parsed.stream,
    arch: parsed.arch,
    phase: tag?.phase ?? null,
    controller,
    pullSpec,
    digest: qci.digest,
    location: inQci ? 'qci' : givenAt!,
    controllerPullSpec: given,
    qci: { pullSpec: qciSpec, present: qci.present },
    warnings: [
      ...(qci.warning ? [qci.warning] : []),
      ...(tag?.phase === 'Rejected'
        ? [
            `the release controller rejected ${name} (a blocking job failed); its stream's latest accepted: ${latestCommand(parsed.stream, parsed.arch)}`,
          ]
        : []),
    ],
  };
}
