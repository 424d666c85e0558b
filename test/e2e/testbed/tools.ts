/**
 * End-to-end tests need real binaries. On a developer machine without them the tests are skipped with a
 * printed reason; on CI (CI=true) a missing tool is a failure, so a broken image never passes silently.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ToolCheck {
  /** True when every tool was found: use as `describe.skipIf(!tools.ok)`. */
  ok: boolean;
  missing: string[];
  /** Why the tests are skipped ('' when ok). */
  reason: string;
}

/**
 * PATH without the directories that hold `tool`: a test of "not on PATH" must hold on a machine where it is
 * installed globally too (`npm install -g .` puts docker-credential-qci beside node).
 */
export function pathWithout(
  tool: string,
  path = process.env.PATH ?? '',
): string {
  return path
    .split(delimiter)
    .filter((dir) => dir !== '' && which(tool, dir) === undefined)
    .join(delimiter);
}

/** Absolute path of an executable on PATH, or undefined. */
export function which(
  tool: string,
  path = process.env.PATH ?? '',
): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * Checks the tools; when some are missing: throws if CI=true, else prints the reason and returns ok=false.
 * Root is also required (rootful podman without systemd is what these machines support).
 */
export function requireTools(
  tools: readonly string[],
  env: Record<string, string | undefined> = process.env,
  options: { quiet?: boolean } = {},
): ToolCheck {
  const missing = tools.filter(
    (tool) => which(tool, env.PATH ?? '') === undefined,
  );
  const problems = missing.map((tool) => `${tool} not found on PATH`);
  if (
    typeof process.getuid === 'function' &&
    process.getuid() !== 0 &&
    tools.includes('podman')
  ) {
    problems.push('not running as root (the test bed runs rootful podman)');
  }
  if (problems.length === 0) return { ok: true, missing: [], reason: '' };
  const reason = `end-to-end tests skipped: ${problems.join('; ')}`;
  if (env.CI === 'true')
    throw new Error(
      `CI=true and ${reason.replace('end-to-end tests skipped: ', '')}`,
    );
  if (!options.quiet) console.warn(reason);
  return { ok: false, missing, reason };
}

/** The Debian 12 package that brings each tool (what .ci/run installs). */
export const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  podman: 'podman',
  skopeo: 'skopeo',
  'docker-registry': 'docker-registry',
  htpasswd: 'apache2-utils',
  openssl: 'openssl',
  tar: 'tar',
  docker: 'docker.io',
  dockerd: 'docker.io',
};

/** The apt-get line that installs the given tools (a tool without a known package is named as is). */
export function aptInstallLine(tools: readonly string[]): string {
  const packages = new Set(tools.map((t) => DEBIAN_PACKAGES[t] ?? t));
  return `apt-get update && apt-get install -y ${[...packages].join(' ')}`;
}
