/**
 * The backend registry: Debian's docker-registry (distribution 2.8.2) with filesystem storage, no auth,
 * on 127.0.0.1:<free port>; plus a helper that pushes a tiny labelled image into it with real podman.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { PodmanEnv } from './podman.js';
import { freePort, runOk, stopChild, track, waitForHttp } from './proc.js';

export interface BackendRegistry {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT (what goes in an image reference) */
  host: string;
  port: number;
  /** Storage root of the registry. */
  storageDir: string;
  /** What the registry printed so far (stderr + stdout). */
  log(): string;
  stop(): Promise<void>;
}

export async function startRegistry(options: {
  dir: string;
}): Promise<BackendRegistry> {
  const storageDir = join(options.dir, 'storage');
  await mkdir(storageDir, { recursive: true });
  let lastError: unknown;
  // The port is free when picked but another process could take it before the registry binds: retry.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const configFile = join(options.dir, 'config.yml');
    await writeFile(
      configFile,
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${storageDir}`,
        '  delete:',
        '    enabled: true',
        '  maintenance:',
        '    uploadpurging:',
        '      enabled: false',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        '  draintimeout: 1s',
        '',
      ].join('\n'),
    );
    let output = '';
    const child: ChildProcess = spawn(
      'docker-registry',
      ['serve', configFile],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.dir },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    track(child);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
    const alive = (): boolean =>
      child.exitCode === null && child.signalCode === null;
    try {
      await waitForHttp(`http://127.0.0.1:${port}/v2/`, {
        statuses: [200],
        alive,
        timeoutMs: 15_000,
      });
    } catch (err) {
      lastError = new Error(
        `docker-registry did not start: ${(err as Error).message}\n${output}`,
      );
      await stopChild(child, 500);
      continue;
    }
    return {
      url: `http://127.0.0.1:${port}`,
      host: `127.0.0.1:${port}`,
      port,
      storageDir,
      log: () => output,
      stop: () => stopChild(child, 2_000),
    };
  }
  throw lastError;
}

export interface TinyImageOptions {
  /** Where to push: host:port of a registry podman can reach (insecure). */
  registryHost: string;
  /** Default "openshift/ci". */
  repository?: string;
  /** Default ["ocp_4.7_my-component"]. All tags point at the same image. */
  tags?: string[];
  /** Default: the two io.openshift.build labels below. */
  labels?: Record<string, string>;
  /** Content of /hello.txt in the image (change it to get a different digest). */
  content?: string;
  /** The architecture its config says (podman import --arch); default the machine's. */
  arch?: string;
}

export interface PushedImage {
  /** Full references, one per tag: `127.0.0.1:PORT/openshift/ci:TAG`. */
  references: string[];
  repository: string;
  tags: string[];
  /** Manifest digest as pushed (sha256:…). */
  digest: string;
  labels: Record<string, string>;
}

export const DEFAULT_IMAGE_LABELS: Readonly<Record<string, string>> = {
  'io.openshift.build.commit.id': '0123456789abcdef0123456789abcdef01234567',
  'io.openshift.build.source-location':
    'https://github.com/openshift/my-component',
};

export interface ImportedImage {
  /** Local name in the podman store, e.g. localhost/qci-seed:1 */
  name: string;
  labels: Record<string, string>;
}

let importCount = 0;

/**
 * Builds a one-file rootfs tarball and `podman import`s it with LABEL changes into the given (isolated) podman
 * store. Needs no registry, so it can run while the registry starts.
 */
export async function importTinyImage(
  podman: PodmanEnv,
  options: Pick<TinyImageOptions, 'labels' | 'content' | 'arch'> = {},
): Promise<ImportedImage> {
  const labels = options.labels ?? { ...DEFAULT_IMAGE_LABELS };
  const work = await podman.scratchDir('image-');
  const rootfs = join(work, 'rootfs');
  await mkdir(rootfs);
  await writeFile(
    join(rootfs, 'hello.txt'),
    options.content ?? 'hello from the qci test bed\n',
  );
  const tarball = join(work, 'rootfs.tar');
  await runOk(
    'tar',
    [
      '--numeric-owner',
      '--owner=0',
      '--group=0',
      '-C',
      rootfs,
      '-cf',
      tarball,
      '.',
    ],
    {
      env: { PATH: process.env.PATH },
    },
  );
  const name = `localhost/qci-seed:${++importCount}`;
  const changes = Object.entries(labels).flatMap(([key, value]) => [
    '--change',
    `LABEL ${key}=${JSON.stringify(value)}`,
  ]);
  const arch = options.arch ? ['--arch', options.arch] : [];
  await podman.podmanOk(['import', '-q', ...arch, ...changes, tarball, name]);
  return { name, labels };
}

/**
 * Pushes a tiny labelled image (imported now, or the one given) to the registry under every tag: one
 * `podman push --tls-verify=false`, then the same manifest PUT under the other tags over the registry API
 * (a podman push per tag costs ~100 ms and yields the same manifest).
 */
export async function pushTinyImage(
  podman: PodmanEnv,
  options: TinyImageOptions,
  imported?: ImportedImage | Promise<ImportedImage>,
): Promise<PushedImage> {
  const repository = options.repository ?? 'openshift/ci';
  const tags = options.tags ?? ['ocp_4.7_my-component'];
  if (tags.length === 0) throw new Error('pushTinyImage: no tags');
  const local = await (imported ?? importTinyImage(podman, options));
  const references = tags.map(
    (tag) => `${options.registryHost}/${repository}:${tag}`,
  );
  const digestFile = join(await podman.scratchDir('push-'), 'digest');
  await podman.podmanOk([
    'push',
    '-q',
    '--tls-verify=false',
    '--digestfile',
    digestFile,
    local.name,
    `docker://${references[0]!}`,
  ]);
  const digest = (await readFile(digestFile, 'utf8')).trim();
  if (tags.length > 1) {
    const manifest = await registryHttp(
      options.registryHost,
      'GET',
      `/v2/${repository}/manifests/${tags[0]}`,
      {
        Accept: MANIFEST_TYPES.join(', '),
      },
    );
    for (const tag of tags.slice(1)) {
      await registryHttp(
        options.registryHost,
        'PUT',
        `/v2/${repository}/manifests/${tag}`,
        { 'Content-Type': String(manifest.headers['content-type']) },
        manifest.body,
      );
    }
  }
  return { references, repository, tags, digest, labels: local.labels };
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

/** One request to a plain-HTTP registry; throws unless the answer is 2xx. */
function registryHttp(
  host: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`http://${host}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const answer = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
        };
        if (answer.status < 200 || answer.status > 299) {
          reject(
            new Error(
              `${method} ${path}: HTTP ${answer.status} ${answer.body.toString('utf8')}`,
            ),
          );
        } else resolve(answer);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
