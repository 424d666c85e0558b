/**
 * A payload-shaped image in the backend registry, built over the registry API (blob uploads, a Docker
 * v2 schema 2 manifest), shaped as `oc adm release new` shapes one: a base layer, then a top layer
 * holding `release-manifests/image-references` (an image.openshift.io/v1 ImageStream whose tags point
 * at real images by digest) and a manifest or two. The layers are gzip tars written here (ustar).
 *
 *   const p = await pushPayload(bed.registry.host, { repository: 'openshift/ci', tag: 'rc_payload__4.18.0-0.ci-…',
 *     name: '4.18.0-0.ci-…', components: { cli: `${bed.proxy.host}/openshift/ci@sha256:…` } });
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';

export interface PayloadOptions {
  /** Default openshift/ci. */
  repository?: string;
  tag: string;
  /** The release name (the ImageStream's metadata.name). */
  name: string;
  /** Component name → pull spec. */
  components: Record<string, string>;
  /** Bytes of random data in the base layer (never read by qci release); default 2 MiB. */
  baseBytes?: number;
  /** Bytes of random data in the top layer, before image-references (a payload's other manifests); default none. */
  topBytes?: number;
  /** Leave image-references out (a payload-shaped image that is not a payload). */
  withoutReferences?: boolean;
}

export interface PushedPayload {
  reference: string;
  digest: string;
  /** The manifest's size and media type (for an index that lists it). */
  size: number;
  mediaType: string;
  /** Layer digests, bottom first. */
  layers: string[];
  layerSizes: number[];
}

function tarHeader(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(type === '5' ? '0000755\0' : '0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
  );
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** An uncompressed tar of the given files (directories first when named with a trailing /). */
export function tarOf(files: [string, Buffer | string | null][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of files) {
    if (data === null) {
      parts.push(tarHeader(name, 0, '5'));
      continue;
    }
    const body = Buffer.from(data);
    parts.push(tarHeader(name, body.length), body);
    parts.push(Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const sha = (b: Buffer) =>
  `sha256:${createHash('sha256').update(b).digest('hex')}`;

function http(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300)
          reject(new Error(`${method} ${url}: HTTP ${res.statusCode}`));
        else
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
          });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function pushBlob(
  host: string,
  repository: string,
  blob: Buffer,
): Promise<string> {
  const digest = sha(blob);
  const start = await http(
    `http://${host}/v2/${repository}/blobs/uploads/`,
    'POST',
    {
      'Content-Length': '0',
    },
  );
  const url = new URL(start.location!, `http://${host}`);
  url.searchParams.set('digest', digest);
  await http(
    url.toString(),
    'PUT',
    {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(blob.length),
    },
    blob,
  );
  return digest;
}

export function imageReferences(
  name: string,
  components: Record<string, string>,
): string {
  return `${JSON.stringify(
    {
      kind: 'ImageStream',
      apiVersion: 'image.openshift.io/v1',
      metadata: { name, creationTimestamp: null },
      spec: {
        lookupPolicy: { local: false },
        tags: Object.entries(components).map(([tag, from]) => ({
          name: tag,
          annotations: {
            'io.openshift.build.source-location': `https://github.com/openshift/${tag}`,
          },
          from: { kind: 'DockerImage', name: from },
          generation: null,
          importPolicy: {},
          referencePolicy: { type: '' },
        })),
      },
      status: { dockerImageRepository: '' },
    },
    null,
    2,
  )}\n`;
}

/** Puts an OCI index of `instances` (each a pushed image and its platform) at `repository:tag`; its digest. */
export async function pushIndex(
  host: string,
  repository: string,
  tag: string,
  instances: { image: PushedPayload; architecture: string }[],
): Promise<string> {
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: instances.map(({ image, architecture }) => ({
        mediaType: image.mediaType,
        digest: image.digest,
        size: image.size,
        platform: { os: 'linux', architecture },
      })),
    }),
  );
  await http(
    `http://${host}/v2/${repository}/manifests/${tag}`,
    'PUT',
    { 'Content-Type': 'application/vnd.oci.image.index.v1+json' },
    index,
  );
  return sha(index);
}

/** Pushes the payload to `host` (the backend registry) under `repository:tag`. */
export async function pushPayload(
  host: string,
  options: PayloadOptions,
): Promise<PushedPayload> {
  const repository = options.repository ?? 'openshift/ci';
  const base = tarOf([
    ['usr/', null],
    ['usr/bin/', null],
    [
      'usr/bin/cluster-version-operator',
      randomBytes(options.baseBytes ?? 2 * 1024 * 1024),
    ],
  ]);
  const top = tarOf([
    ['release-manifests/', null],
    [
      'release-manifests/0000_00_cluster-version-operator_00_namespace.yaml',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: openshift-cluster-version\n',
    ],
    ...(options.topBytes
      ? [
          [
            'release-manifests/0000_99_big.bin',
            randomBytes(options.topBytes),
          ] as [string, Buffer],
        ]
      : []),
    ...(options.withoutReferences
      ? []
      : [
          [
            'release-manifests/image-references',
            imageReferences(options.name, options.components),
          ] as [string, string],
        ]),
    [
      'release-manifests/release-metadata',
      `{"kind":"cincinnati-metadata-v0","version":"${options.name}"}\n`,
    ],
  ]);
  const layers = [base, top].map((t) => gzipSync(t, { level: 1 }));
  const layerDigests = await Promise.all(
    layers.map((l) => pushBlob(host, repository, l)),
  );
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: new Date().toISOString(),
      config: { Labels: { 'io.openshift.release': options.name } },
      rootfs: { type: 'layers', diff_ids: [base, top].map(sha) },
    }),
  );
  const configDigest = await pushBlob(host, repository, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: configDigest,
      },
      layers: layers.map((l, i) => ({
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: l.length,
        digest: layerDigests[i]!,
      })),
    }),
  );
  await http(
    `http://${host}/v2/${repository}/manifests/${options.tag}`,
    'PUT',
    { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' },
    manifest,
  );
  return {
    reference: `${host}/${repository}:${options.tag}`,
    digest: sha(manifest),
    size: manifest.length,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    layers: layerDigests,
    layerSizes: layers.map((l) => l.length),
  };
}
