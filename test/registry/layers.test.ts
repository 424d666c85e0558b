/**
 * readLayerFile against a small in-process registry (Basic auth) and a "CDN" on another origin: the top
 * layer only, gzip or plain tar, a redirect that must not carry the credential, zstd refused, and the
 * connection closed once the file is read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { QciError } from '../../src/core/errors.js';
import { Session, type InspectTarget } from '../../src/registry/inspect.js';
import {
  readLayerFileWith,
  type LayerFileOptions,
} from '../../src/registry/layers.js';

/** What qci release --components reads, through a fresh session (authenticated first). */
async function readLayerFile(target: InspectTarget, options: LayerFileOptions) {
  const session = new Session(target, options);
  await session.authenticate();
  return readLayerFileWith(session, target, options);
}
import { tarOf } from '../e2e/testbed/payload.js';

const sha = (b: Buffer | string) =>
  `sha256:${createHash('sha256').update(b).digest('hex')}`;
const WANT = 'release-manifests/image-references';
const REFS = '{"kind":"ImageStream"}';

const base = gzipSync(tarOf([['usr/bin/x', randomBytes(4096)]]));
const tops: Record<string, Buffer> = {
  gzip: gzipSync(
    tarOf([
      ['release-manifests/a.yaml', 'a: 1\n'],
      [WANT, REFS],
    ]),
  ),
  plain: tarOf([[WANT, REFS]]),
  // Far bigger than what is read before the file: the rest must never be sent for.
  early: gzipSync(
    tarOf([
      [WANT, REFS],
      ['release-manifests/z.bin', randomBytes(8 << 20)],
    ]),
  ),
  zstd: Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]),
  empty: gzipSync(tarOf([['release-manifests/a.yaml', 'a: 1\n']])),
  // Its manifest says 4 KiB (below): the registry sends far more than that.
  liar: tarOf([
    ['release-manifests/z.bin', randomBytes(1 << 20)],
    [WANT, REFS],
  ]),
};
const manifest = (top: Buffer) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { digest: sha('{}'), size: 2 },
    layers: [base, top].map((l) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: sha(l),
      size: l === tops.liar ? 4096 : l.length,
    })),
  });

const seen: { path: string; auth: string | undefined; host: string }[] = [];
const blobs = new Map<string, Buffer>([
  [sha(base), base],
  ...Object.values(tops).map((t) => [sha(t), t] as [string, Buffer]),
]);
let registry: Server;
let cdn: Server;
let host = '';
let cdnUrl = '';
const AUTH = `Basic ${Buffer.from('u:secret').toString('base64')}`;

beforeAll(async () => {
  const listen = (s: Server) =>
    new Promise<string>((resolve) =>
      s.listen(0, '127.0.0.1', () =>
        resolve(`127.0.0.1:${(s.address() as AddressInfo).port}`),
      ),
    );
  cdn = createServer((req, res) => {
    seen.push({
      path: req.url ?? '',
      auth: req.headers.authorization,
      host: 'cdn',
    });
    const blob = blobs.get((req.url ?? '').slice(1));
    res.writeHead(blob ? 200 : 404).end(blob);
  });
  registry = createServer((req, res) => {
    const path = req.url ?? '';
    seen.push({ path, auth: req.headers.authorization, host: 'registry' });
    if (req.headers.authorization !== AUTH) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' }).end();
      return;
    }
    if (path === '/v2/') return void res.writeHead(200).end('{}');
    const m = /^\/v2\/openshift\/ci\/manifests\/(\w+)$/.exec(path);
    if (m && tops[m[1]!]) {
      res.writeHead(200, {
        'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
      });
      return void res.end(manifest(tops[m[1]!]!));
    }
    const b = /^\/v2\/openshift\/ci\/blobs\/(sha256:\w+)$/.exec(path);
    if (b) {
      res.writeHead(307, { Location: `${cdnUrl}/${b[1]}` }).end();
      return;
    }
    res.writeHead(404).end();
  });
  host = await listen(registry);
  cdnUrl = `http://${await listen(cdn)}`;
});
afterAll(() => {
  registry.closeAllConnections();
  cdn.closeAllConnections();
  registry.close();
  cdn.close();
});

const read = (tag: string) =>
  readLayerFile(
    { host, repository: 'openshift/ci', reference: tag },
    {
      path: WANT,
      maxBytes: 1 << 20,
      credential: { user: 'u', password: 'secret' },
      platform: { os: 'linux', architecture: 'amd64' },
      http: { env: {}, tlsVerify: false },
    },
  );

describe('reading one file from the top layer', () => {
  it.each(['gzip', 'plain'])(
    'finds it in a %s layer, from the top layer only',
    async (tag) => {
      seen.length = 0;
      const file = await read(tag);
      expect(file.data?.toString()).toBe(REFS);
      expect(file).toMatchObject({ layer: sha(tops[tag]!), layers: 2 });
      const fetched = seen
        .filter((s) => s.path.includes('sha256:'))
        .map((s) => s.path);
      expect(fetched.some((p) => p.includes(sha(base)))).toBe(false);
    },
  );

  it('follows the blob redirect to another origin without the credential', async () => {
    seen.length = 0;
    await read('gzip');
    const atCdn = seen.filter((s) => s.host === 'cdn');
    expect(atCdn).toHaveLength(1);
    expect(atCdn[0]!.auth).toBeUndefined();
    expect(
      seen.filter(
        (s) => s.host === 'registry' && s.path.includes('/blobs/'),
      )[0]!.auth,
    ).toBe(AUTH);
  });

  it('stops reading once the file is read', async () => {
    const file = await read('early');
    expect(file.data?.toString()).toBe(REFS);
    expect(file.bytesRead).toBeLessThan(tops.early!.length);
  });

  it('says when the top layer has no such file', async () => {
    expect((await read('empty')).data).toBeNull();
  });

  it('stops reading a layer that runs past the size its manifest gives', async () => {
    const error = (await read('liar').catch((e) => e)) as QciError;
    expect(error.message).toContain(
      'sent more of the top layer than its 4096 bytes; qci stopped reading',
    );
  });

  it('refuses a zstd layer, which it cannot read', async () => {
    const error = (await read('zstd').catch((e: unknown) => e)) as QciError;
    expect(error.kind).toBe('unsupported-manifest');
    expect(error.message).toContain('zstd');
  });
});
