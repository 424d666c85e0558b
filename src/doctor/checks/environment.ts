/**
 * Environment variables that make podman fail or forget (seen with podman 4.3.1; the lookup is
 * containers/image pkg/docker/config/config.go, and the runtime directory rule containers-auth.json(5)).
 */
import { found, type Finding } from '../catalogue.js';

export interface EnvironmentProbe {
  env: Readonly<Record<string, string | undefined>>;
  uid: number;
  exists(path: string): boolean;
}

export function checkEnvironment({
  env,
  uid,
  exists,
}: EnvironmentProbe): Finding[] {
  const out: Finding[] = [];
  const authFile = env.REGISTRY_AUTH_FILE;
  if (authFile && !exists(authFile))
    out.push(found('env.registry-auth-file', { path: authFile }));
  // REGISTRY_AUTH_FILE, when set, is the file podman stats instead.
  const dir = env.DOCKER_CONFIG;
  if (dir && !authFile && !exists(`${dir}/config.json`))
    out.push(found('env.docker-config', { dir }));
  const runtime = env.XDG_RUNTIME_DIR;
  if (!runtime) out.push(found('env.xdg-runtime-dir-unset', { uid }));
  else if (!exists(runtime))
    out.push(found('env.xdg-runtime-dir-missing', { dir: runtime }));
  return out;
}
