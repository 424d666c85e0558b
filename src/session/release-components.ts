/**
 * A payload's component images, as `oc adm release info --pullspecs` lists them: the
 * `release-manifests/image-references` ImageStream in the payload's top layer (openshift/oc
 * pkg/cli/admin/release/info.go), read through the registry API with the credential the engine sends
 * to the payload's registry (QCI, or registry.ci.openshift.org: both take the app.ci token), logging in
 * once when the registry wants one the engine lacks, as qci inspect does.
 */
import { pinnedSpec } from '../core/digests.js';
import { QciError } from '../core/errors.js';
import { parseImageReferences, type Component } from '../core/release-api.js';
import { hostOf, splitPullSpec } from '../core/release.js';
import { readLayerFileWith, type LayerFile } from '../registry/layers.js';
import { readWithLogin, registryOptions } from './inspect.js';
import { withRememberedSession } from './registry-session.js';
import type { ReleaseReport } from './release.js';
import { setupFor, type AuthSetup } from './setup.js';

const IMAGE_REFERENCES = 'release-manifests/image-references';
/** A cap far above a list of a release's few hundred components: a bigger file is not one. */
const MAX_REFERENCES_BYTES = 16 * 1024 * 1024;

export interface ComponentsRequest {
  authfile?: string | undefined;
  login?: boolean;
  timeoutMs?: number | undefined;
  log?: (line: string) => void;
  say?: (line: string) => void;
  /** Layer bytes read, and the layer's size; for a progress line on a terminal. */
  progress?: (read: number, size: number) => void;
}

export interface ComponentsReport {
  components: Component[];
  /** The layer read, its place and what it cost: the top one of `layers`. */
  layer: string;
  layers: number;
  bytesRead: number;
}

async function readReferences(
  setup: AuthSetup,
  pullSpec: string,
  request: ComponentsRequest,
): Promise<LayerFile> {
  const target = splitPullSpec(pullSpec);
  if (!target)
    throw new QciError(`${pullSpec} is not a pull spec qci can read`, {
      kind: 'release-controller-error',
    });
  const { options } = await registryOptions(setup, request);
  const layerOptions = {
    ...options,
    path: IMAGE_REFERENCES,
    maxBytes: MAX_REFERENCES_BYTES,
    ...(request.progress ? { progress: request.progress } : {}),
  };
  return withRememberedSession(setup, target, options, (s) =>
    readLayerFileWith(s, target, layerOptions),
  );
}

/** The components of the release's payload, sorted by name. */
export async function releaseComponents(
  setup: AuthSetup,
  release: ReleaseReport,
  request: ComponentsRequest = {},
): Promise<ComponentsReport> {
  const spec = release.digest
    ? pinnedSpec(setup.settings.registry, release.digest)
    : release.pullSpec;
  const at = setupFor(setup, hostOf(spec));
  const { value: file } = await readWithLogin(at, request, () =>
    readReferences(at, spec, request),
  );
  if (!file.data)
    throw new QciError(
      `${release.name} has no ${IMAGE_REFERENCES} in its top layer (${file.layer || 'no layers'}): ${release.pullSpec} is not a release payload`,
      {
        kind: 'no-image-references',
        hint: `qci inspect ${release.pullSpec} shows what the image is`,
      },
    );
  const parsed = parseImageReferences(file.data.toString('utf8'));
  if (!parsed.ok)
    throw new QciError(
      `${release.name}'s ${IMAGE_REFERENCES} is not an image.openshift.io/v1 ImageStream (${parsed.issue})`,
      {
        kind: 'no-image-references',
        hint: `oc adm release info ${release.pullSpec} says the same in its words`,
      },
    );
  return {
    components: parsed.value,
    layer: file.layer,
    layers: file.layers,
    bytesRead: file.bytesRead,
  };
}
