/** Auth entries and local images that still name the old registries. */
import { keyBelongsToHost, type AuthFileState } from '../../auth/index.js';
import { tildify } from '../../core/paths.js';
import {
  APP_CI_REGISTRY,
  DECOMMISSIONED_REGISTRY,
} from '../../core/reference.js';
import { found, type Finding } from '../catalogue.js';

export interface OldRegistriesProbe {
  home: string;
  /** The auth files each engine reads (a file both read is judged once). */
  files: readonly { states: readonly AuthFileState[] }[];
  /** `podman images` as NAME:TAG; null when podman is not installed or did not answer. */
  images: string[] | null;
}

export function checkOldRegistries(p: OldRegistriesProbe): Finding[] {
  return [...oldEntries(p), ...oldImages(p.images ?? [])];
}

function oldEntries({ home, files }: OldRegistriesProbe): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const file of files.flatMap((f) => f.states)) {
    if (file.state !== 'ok' || seen.has(file.path)) continue;
    seen.add(file.path);
    for (const { key } of file.entries) {
      const at = { key, file: tildify(file.path, home) };
      if (keyBelongsToHost(key, DECOMMISSIONED_REGISTRY))
        out.push(
          found('old.auth-decommissioned', at, {
            kind: 'entry',
            file: file.path,
            format: file.ref.format,
            key,
          }),
        );
      else if (keyBelongsToHost(key, APP_CI_REGISTRY))
        out.push(found('old.auth-internal', at));
    }
  }
  return out;
}

function oldImages(images: readonly string[]): Finding[] {
  return images
    .filter(
      (name) =>
        name.startsWith(`${DECOMMISSIONED_REGISTRY}/`) ||
        name.startsWith(`${APP_CI_REGISTRY}/`),
    )
    .map((name) => found('old.image', { name }));
}
