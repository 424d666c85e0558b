/** Which engines are installed, and whether podman is old enough that its auth-file rules differ. */
import { podmanAuthBehaviour } from '../../auth/index.js';
import { found, type Finding } from '../catalogue.js';

export interface EnginesProbe {
  /** `podman --version`'s number, when podman answered. */
  version: string | undefined;
  podman: boolean;
  docker: boolean;
}

export function checkEngines(p: EnginesProbe): Finding[] {
  const out: Finding[] = [];
  if (p.podman) {
    out.push(found('engine.podman', { version: p.version }));
    const behaviour = podmanAuthBehaviour(p.version);
    if (behaviour.known && !behaviour.loginKeepsDockerKeys)
      out.push(
        found('engine.podman-old', {
          version: p.version,
          readsOn: !behaviour.explicitFileIsOnlyFile,
        }),
      );
  }
  if (p.docker) out.push(found('engine.docker', {}));
  if (!p.podman && !p.docker) out.push(found('engine.none', {}));
  return out;
}
