/**
 * One image described through the registry API: its digest, platforms, created time, size and labels
 * (the reads are src/registry/inspect.ts's), with a fresh session or one that can send requests already.
 */
import { platformMatches as matches } from '../core/platform.js';
import {
  type Session,
  digester,
  formatPlatform,
  readConfig,
  readInstance,
  readTop,
  type InspectOptions,
  type InspectResult,
  type Descriptor,
  type InspectTarget,
} from './inspect.js';

/**
 * Digest, platforms, created time, size and labels of one image, read through the registry API by a
 * session that can send requests already (withRememberedSession, or Session#authenticate first).
 */
export async function describeImage(
  session: Session,
  target: InspectTarget,
  options: InspectOptions,
): Promise<InspectResult> {
  const sha256 = await digester();
  const top = await readTop(session, target, sha256);
  const instance = await readInstance(session, target, options, top, sha256);
  const config = await readConfig(session, target, instance, sha256);
  const layers = (
    Array.isArray(instance.json.layers) ? instance.json.layers : []
  ).filter((l): l is Descriptor => typeof l === 'object' && l !== null);
  const own = formatPlatform(config.own);
  return {
    digest: top.digest,
    mediaType: top.mediaType,
    isIndex: top.isIndex,
    platforms: top.isIndex
      ? instance.platforms
      : [
          {
            platform: own,
            digest: top.digest,
            mediaType: top.mediaType,
            size: top.response.body.length,
          },
        ],
    platform: instance.platform ?? own,
    platformDigest: instance.digest,
    platformMediaType: instance.mediaType,
    platformMismatch: !top.isIndex && !matches(options.platform, config.own),
    created: config.created,
    // A size the manifest gets wrong (negative, not a number) counts as nothing, not against the rest.
    size: [config.size, ...layers.map((l) => l.size)].reduce<number>(
      (sum, n) =>
        sum + (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0),
      0,
    ),
    layers: layers.length,
    labels: config.labels,
    scheme: session.usedScheme,
  };
}
