/**
 * Manifests written straight into the backend registry (plain HTTP, no auth): a multi-platform OCI
 * index made of images already pushed, and manifests deleted (docker-registry runs with
 * storage.delete.enabled, so DELETE /v2/<repo>/manifests/<digest> works).
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { TestBed } from './index.js';

const INSTANCE_ACCEPT =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface BackendAnswer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/** One request to the bed's backend registry. */
export function backendRequest(
  bed: TestBed,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<BackendAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${bed.registry.url}${path}`,
      { method, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const sha256 = (text: string): string =>
  `sha256:${createHash('sha256').update(text).digest('hex')}`;

export interface ManifestOf {
  digest: string;
  mediaType: string;
  size: number;
}

/** The single-image manifest under `tag` (digest, media type, size), as an index entry needs it. */
export async function manifestOf(
  bed: TestBed,
  tag: string,
): Promise<ManifestOf> {
  const r = await backendRequest(
    bed,
    'GET',
    `/v2/openshift/ci/manifests/${tag}`,
    {
      Accept: INSTANCE_ACCEPT,
    },
  );
  if (r.status !== 200) throw new Error(`manifest ${tag}: HTTP ${r.status}`);
  return {
    digest: sha256(r.body),
    mediaType: String(r.headers['content-type']),
    size: Buffer.byteLength(r.body),
  };
}

export interface PlatformEntry {
  os: string;
  architecture: string;
  variant?: string;
}

/** Writes an OCI index under `tag` whose entries are the images under `instances`' tags; its digest. */
export async function putIndex(
  bed: TestBed,
  tag: string,
  instances: { tag: string; platform: PlatformEntry }[],
): Promise<{
  digest: string;
  instances: (ManifestOf & { platform: PlatformEntry })[];
}> {
  const entries = await Promise.all(
    instances.map(async (i) => ({
      ...(await manifestOf(bed, i.tag)),
      platform: i.platform,
    })),
  );
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: entries,
  });
  const put = await backendRequest(
    bed,
    'PUT',
    `/v2/openshift/ci/manifests/${tag}`,
    { 'Content-Type': OCI_INDEX },
    index,
  );
  if (put.status !== 201)
    throw new Error(`index ${tag}: HTTP ${put.status} ${put.body}`);
  return { digest: sha256(index), instances: entries };
}

/** Deletes a manifest by digest: every tag pointing at it goes with it. */
export async function deleteManifest(
  bed: TestBed,
  digest: string,
): Promise<void> {
  const r = await backendRequest(
    bed,
    'DELETE',
    `/v2/openshift/ci/manifests/${digest}`,
  );
  if (r.status !== 202)
    throw new Error(`delete ${digest}: HTTP ${r.status} ${r.body}`);
}
