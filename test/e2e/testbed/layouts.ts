/**
 * A seeded generator of auth-file layouts for the differential test: every file podman reads,
 * REGISTRY_AUTH_FILE / DOCKER_CONFIG set, unset or dangling, every key form, every entry shape, credHelpers
 * and credsStore with fake helpers on PATH, --authfile. Each secret is unique, so the credential a
 * recording front sees names the one entry (or helper) it came from. Engine-agnostic: a layout is files,
 * environment and flags; docker can be run on the same layouts later.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** mulberry32: small, seedable, good enough to pick layouts. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fake helpers: what `docker-credential-NAME get` does. `absent` is never installed. */
export const HELPERS = {
  has: 'answers user "helper-user" and secret "helper-has"',
  other: 'answers user "other-user" and secret "helper-other"',
  tok: 'answers user "<token>" (an identity token) and secret "helper-tok"',
  nothing: 'answers "credentials not found in native keychain", exit 1',
  broken: 'fails with another message, exit 1',
  absent: 'is not on PATH',
} as const;
export type HelperName = keyof typeof HELPERS;

/** Writes the fake helpers into `dir` (put it first on PATH). */
export async function writeFakeHelpers(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const script = (body: string) =>
    `#!/bin/sh\n[ "$1" = get ] || exit 0\nread host\n${body}\n`;
  const answer = (user: string, secret: string) =>
    `printf '{"ServerURL":"%s","Username":"${user}","Secret":"${secret}"}\\n' "$host"`;
  const bodies: Partial<Record<HelperName, string>> = {
    has: answer('helper-user', 'helper-has'),
    other: answer('other-user', 'helper-other'),
    tok: answer('<token>', 'helper-tok'),
    nothing: 'echo "credentials not found in native keychain"; exit 1',
    broken: 'echo "the keyring is locked" >&2; exit 1',
  };
  for (const [name, body] of Object.entries(bodies)) {
    const path = join(dir, `docker-credential-${name}`);
    await writeFile(path, script(body));
    await chmod(path, 0o755);
  }
}

export type FileSlot =
  | 'xdgRuntime'
  | 'xdgConfig'
  | 'docker'
  | 'dockercfg'
  | 'registryAuthFile'
  | 'authfile';

export interface LayoutFile {
  slot: FileSlot;
  /** JSON value written, or a raw string (a corrupt file). */
  content: unknown;
}

export interface Layout {
  id: number;
  /** REGISTRY_AUTH_FILE: unset, a file that exists, or a file that does not. */
  registryAuthFile: 'unset' | 'file' | 'dangling';
  /** DOCKER_CONFIG: unset, a dir with config.json, a dir without it, a dir that does not exist. */
  dockerConfig: 'unset' | 'dir' | 'empty-dir' | 'dangling';
  /** podman --authfile: none, a file that exists, one that does not. */
  authfile: 'none' | 'file' | 'dangling';
  files: LayoutFile[];
}

/** Where a secret was put: `FILE-SLOT KEY` or `helper NAME`. */
export type Origins = Map<string, string>;

const pick = <T>(r: () => number, items: readonly T[]): T =>
  items[Math.floor(r() * items.length)] as T;

function weighted<K extends string>(
  r: () => number,
  weights: Record<K, number>,
): K {
  const entries = Object.entries(weights) as [K, number][];
  let x = r() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [key, w] of entries) {
    x -= w;
    if (x < 0) return key;
  }
  return entries[0]![0];
}

/** Key forms for `host` (all match `host/openshift/ci` but `host/other/repo`), and another host. */
function keyForms(host: string, legacy: boolean): string[] {
  return legacy
    ? [host, `https://${host}/v1/`, `http://${host}`]
    : [
        host,
        `${host}/openshift/ci`,
        `${host}/openshift`,
        `https://${host}`,
        `http://${host}/v1/`,
        `https://${host}/v2/`,
        `${host}/other/repo`,
        'quay.io',
      ];
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** One entry; `secret` (and `pw-SECRET`, `f-SECRET`) is recorded in origins when it could be sent. */
function entry(r: () => number, secret: string): Record<string, string> {
  const x = r();
  if (x < 0.4) return { auth: b64(`user-${secret}:${secret}`) };
  if (x < 0.48)
    return { auth: b64(`user-${secret}:pw-${secret}`), identitytoken: secret };
  if (x < 0.54) return { identitytoken: secret };
  if (x < 0.61) return {};
  if (x < 0.65) return { auth: '' };
  if (x < 0.69) return { auth: b64(`nocolon-${secret}`) };
  if (x < 0.72) return { auth: b64(`:${secret}`) };
  if (x < 0.75) return { auth: b64(`user-${secret}:`) };
  if (x < 0.78) return { auth: 'not base64!' };
  if (x < 0.82)
    return { auth: b64(`user-${secret}:${secret}`), email: 'a@b.c' };
  return { ...dockerFields(r, secret), ...withFields(r, secret) };
}

/**
 * docker's own `username`/`password` fields (docker/cli `api/types.AuthConfig`; podman has none), with
 * a password `f-SECRET`; sometimes one is missing or named in another case (Go matches either).
 */
function dockerFields(r: () => number, secret: string): Record<string, string> {
  const x = r();
  const [user, password] =
    x < 0.2 ? ['Username', 'Password'] : ['username', 'password'];
  if (x < 0.85) return { [user]: `fuser-${secret}`, [password]: `f-${secret}` };
  if (x < 0.93) return { [user]: `fuser-${secret}` };
  return { [password]: `f-${secret}` };
}

/** What sits beside docker's fields: nothing, an `auth` (decoded over them), an identity token, … */
function withFields(r: () => number, secret: string): Record<string, string> {
  const x = r();
  if (x < 0.4) return {};
  if (x < 0.6) return { auth: b64(`user-${secret}:${secret}`) };
  if (x < 0.7) return { auth: '' };
  if (x < 0.8) return { auth: 'not base64!' };
  if (x < 0.9) return { auth: b64(`nocolon-${secret}`) };
  return { identitytoken: secret };
}

/**
 * Forms only one engine's test asks for: `blankCredHelpers`, a `credHelpers[host]` of "" or null (docker
 * then skips credsStore; podman would run a helper named "docker-credential-").
 */
export interface LayoutForms {
  blankCredHelpers?: boolean;
}

function fileContent(
  r: () => number,
  host: string,
  slot: FileSlot,
  id: number,
  origins: Origins,
  forms: LayoutForms,
): unknown {
  if (r() < 0.02) return '{"auths": {'; // corrupt
  const legacy = slot === 'dockercfg';
  const keys = keyForms(host, legacy);
  const auths: Record<string, unknown> = {};
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const key = pick(r, keys);
    const secret = `s${id}-${slot}-${i}`;
    const value = entry(r, secret);
    auths[key] = value;
    for (const sent of [secret, `pw-${secret}`, `f-${secret}`])
      origins.set(sent, `${slot} ${key}`);
  }
  if (legacy) return auths;
  const out: Record<string, unknown> = { auths };
  if (r() < 0.25) {
    const helper = weighted<HelperName>(r, {
      has: 4,
      other: 2,
      tok: 2,
      nothing: 4,
      broken: 1,
      absent: 1,
    });
    out.credHelpers = { [host]: helper, 'gcr.io': 'gcloud' };
  }
  const blank = forms.blankCredHelpers === true && r() < 0.12;
  if (blank) out.credHelpers = { [host]: pick(r, ['', null]) };
  if (r() < (blank ? 0.7 : 0.15))
    out.credsStore = pick(r, ['has', 'nothing', 'tok']);
  if (r() < 0.1) out.HttpHeaders = { 'User-Agent': 'x' };
  return out;
}

export function generateLayout(
  seed: number,
  id: number,
  host: string,
  forms: LayoutForms = {},
): { layout: Layout; origins: Origins } {
  const r = rng(seed * 100_003 + id);
  const origins: Origins = new Map();
  for (const h of Object.keys(HELPERS)) {
    origins.set(`helper-${h}`, `helper ${h}`);
  }
  const layout: Layout = {
    id,
    registryAuthFile: weighted(r, { unset: 14, file: 4, dangling: 1 }),
    dockerConfig: weighted(r, {
      unset: 12,
      dir: 5,
      'empty-dir': 1,
      dangling: 1,
    }),
    authfile: weighted(r, { none: 14, file: 4, dangling: 1 }),
    files: [],
  };
  const slots: FileSlot[] = ['xdgRuntime', 'xdgConfig', 'dockercfg'];
  if (layout.dockerConfig !== 'empty-dir' && layout.dockerConfig !== 'dangling')
    slots.push('docker');
  if (layout.registryAuthFile === 'file') slots.push('registryAuthFile');
  if (layout.authfile === 'file') slots.push('authfile');
  for (const slot of slots) {
    const must =
      (slot === 'docker' && layout.dockerConfig === 'dir') ||
      slot === 'registryAuthFile' ||
      slot === 'authfile';
    if (must || r() < 0.55)
      layout.files.push({
        slot,
        content: fileContent(r, host, slot, id, origins, forms),
      });
  }
  return { layout, origins };
}

export interface Materialized {
  /** Environment for podman and qci (HOME, XDG_*, DOCKER_CONFIG, REGISTRY_AUTH_FILE, PATH). */
  env: Record<string, string | undefined>;
  /** The --authfile path, when the layout uses one. */
  authfile: string | undefined;
  paths: Record<FileSlot, string>;
}

/** Writes the layout under `dir`. */
export async function materialize(
  layout: Layout,
  dir: string,
  helperDir: string,
  basePath: string,
): Promise<Materialized> {
  const home = join(dir, 'home');
  const dockerDir =
    layout.dockerConfig === 'unset'
      ? join(home, '.docker')
      : join(dir, 'dockerconfig');
  const paths: Record<FileSlot, string> = {
    xdgRuntime: join(dir, 'run', 'containers', 'auth.json'),
    xdgConfig: join(home, '.config', 'containers', 'auth.json'),
    docker: join(dockerDir, 'config.json'),
    dockercfg: join(home, '.dockercfg'),
    registryAuthFile: join(dir, 'registry-auth.json'),
    authfile: join(dir, 'authfile.json'),
  };
  await mkdir(join(dir, 'run'), { recursive: true, mode: 0o700 });
  await mkdir(home, { recursive: true });
  if (layout.dockerConfig === 'empty-dir' || layout.dockerConfig === 'dir')
    await mkdir(dockerDir, { recursive: true });
  for (const file of layout.files) {
    const path = paths[file.slot];
    await mkdir(dirname(path), { recursive: true });
    await writeFile(
      path,
      typeof file.content === 'string'
        ? file.content
        : JSON.stringify(file.content, null, 2),
    );
  }
  return {
    env: {
      HOME: home,
      XDG_RUNTIME_DIR: join(dir, 'run'),
      XDG_CONFIG_HOME: join(home, '.config'),
      DOCKER_CONFIG: layout.dockerConfig === 'unset' ? undefined : dockerDir,
      REGISTRY_AUTH_FILE:
        layout.registryAuthFile === 'unset'
          ? undefined
          : paths.registryAuthFile,
      PATH: `${helperDir}:${basePath}`,
    },
    authfile: layout.authfile === 'none' ? undefined : paths.authfile,
    paths,
  };
}

/** A layout as text, to replay a disagreement by hand. */
export function describeLayout(layout: Layout, m: Materialized): string {
  const lines = [
    `layout ${layout.id}: REGISTRY_AUTH_FILE ${layout.registryAuthFile}, DOCKER_CONFIG ${layout.dockerConfig}, --authfile ${layout.authfile}`,
  ];
  for (const f of layout.files)
    lines.push(
      `  ${f.slot} (${m.paths[f.slot]}): ${typeof f.content === 'string' ? f.content : JSON.stringify(f.content)}`,
    );
  return lines.join('\n');
}
