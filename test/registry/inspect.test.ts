/**
 * inspectImage against a small in-process registry: the cases the test bed's proxy does not produce
 * (Basic auth, `access_token`, attestation entries in an index, rate limiting, a body that does not match its
 * digest, an unsafe realm).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QciError } from '../../src/core/errors.js';
import {
  Session,
  type InspectOptions,
  type InspectTarget,
} from '../../src/registry/inspect.js';
import { describeImage } from '../../src/registry/describe.js';

/** What qci inspect reads, through a fresh session (authenticated first). */
async function inspectImage(target: InspectTarget, options: InspectOptions) {
  const session = new Session(target, options);
  await session.authenticate();
  return describeImage(session, target, options);
}

const sha = (text: string) =>
  `sha256:${createHash('sha256').update(text).digest('hex')}`;
const config = JSON.stringify({
  architecture: 'amd64',
  os: 'linux',
  created: '2024-05-01T12:00:00Z',
  config: { Labels: { 'io.openshift.build.commit.id': 'abc' } },
});
const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: sha(config),
    size: config.length,
  },
  layers: [
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: sha('layer'),
      size: 1000,
    },
  ],
});
const attestation = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { digest: sha('x'), size: 1 },
  layers: [],
});
const index = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha(manifest),
      size: manifest.length,
      platform: { os: 'linux', architecture: 'amd64' },
    },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha(attestation),
      size: attestation.length,
      platform: { os: 'unknown', architecture: 'unknown' },
    },
  ],
});

type Mode = 'basic' | 'bearer' | 'rate-limited' | 'corrupt' | 'foreign-realm';

describe('inspectImage', () => {
  let server: Server;
  let host: string;
  let mode: Mode = 'bearer';
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = req.url ?? '';
      seen.push(
        `${req.method} ${path.split('?')[0]} ${req.headers.authorization ?? '-'}`,
      );
      const auth = req.headers.authorization ?? '';
      if (path.startsWith('/token')) {
        if (auth !== `Basic ${Buffer.from('u:p').toString('base64')}`)
          return void res.writeHead(401).end();
        return void res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ access_token: 'tok', expires_in: 300 }));
      }
      const ok =
        mode === 'basic'
          ? auth === `Basic ${Buffer.from('u:p').toString('base64')}`
          : auth === 'Bearer tok';
      if (!ok) {
        const challenge =
          mode === 'basic'
            ? 'Basic realm="registry"'
            : mode === 'foreign-realm'
              ? 'Bearer realm="http://elsewhere.example/token",service="r"'
              : `Bearer realm="http://${host}/token",service="r"`;
        return void res.writeHead(401, { 'WWW-Authenticate': challenge }).end();
      }
      if (path === '/v2/') return void res.writeHead(200).end('{}');
      if (mode === 'rate-limited')
        return void res.writeHead(429, { 'Retry-After': '0' }).end();
      const send = (type: string, body: string) =>
        res.writeHead(200, { 'Content-Type': type }).end(body);
      if (path === '/v2/openshift/ci/manifests/multi')
        return void send('application/vnd.oci.image.index.v1+json', index);
      if (
        path === `/v2/openshift/ci/manifests/${sha(manifest)}` ||
        path === '/v2/openshift/ci/manifests/single'
      ) {
        return void send(
          'application/vnd.oci.image.manifest.v1+json',
          mode === 'corrupt' ? manifest.replace('abc', 'abd') : manifest,
        );
      }
      if (path === `/v2/openshift/ci/blobs/${sha(config)}`)
        return void send(
          'application/octet-stream',
          mode === 'corrupt' ? config.replace('abc', 'abd') : config,
        );
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }],
        }),
      );
    });
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const options = (over: Partial<InspectOptions> = {}): InspectOptions => ({
    credential: { user: 'u', password: 'p' },
    platform: { os: 'linux', architecture: 'amd64' },
    http: {
      env: {},
      tlsVerify: false,
      timeoutMs: 2_000,
      retries: 2,
      backoffMs: 1,
      sleep: async () => {},
    },
    ...over,
  });
  const target = (reference: string) => ({
    host,
    repository: 'openshift/ci',
    reference,
  });

  it('a Bearer realm answering access_token; an index with an attestation entry; labels from the config', async () => {
    mode = 'bearer';
    const r = await inspectImage(target('multi'), options());
    expect(r).toMatchObject({
      digest: sha(index),
      isIndex: true,
      platform: 'linux/amd64',
      platformDigest: sha(manifest),
      created: '2024-05-01T12:00:00Z',
      labels: { 'io.openshift.build.commit.id': 'abc' },
      layers: 1,
      scheme: 'http',
    });
    expect(r.platforms.map((p) => p.platform)).toEqual(['linux/amd64']);
    expect(r.size).toBe(config.length + 1000);
    expect(seen.some((s) => s.includes('/tags/'))).toBe(false);
  });

  it('a Basic challenge: the credential goes on every request', async () => {
    mode = 'basic';
    seen.length = 0;
    const r = await inspectImage(target('single'), options());
    expect(r.digest).toBe(sha(manifest));
    expect(
      seen
        .filter((s) => s.includes('/openshift/ci/'))
        .every((s) =>
          s.endsWith(`Basic ${Buffer.from('u:p').toString('base64')}`),
        ),
    ).toBe(true);
  });

  it('anonymous where a login is needed: exit 3 with `qci login`; wrong credential: exit 3', async () => {
    mode = 'bearer';
    await expect(
      inspectImage(target('single'), options({ credential: null })),
    ).rejects.toMatchObject({ exitCode: 3, hint: 'qci login' });
    await expect(
      inspectImage(
        target('single'),
        options({
          credential: { user: 'u', password: 'wrong' },
          credentialSource: 'KEY in FILE',
        }),
      ),
    ).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining(
        'rejected the credential podman would send (KEY in FILE)',
      ),
    });
  });

  it('429 after every retry: exit 1, rate limited, with the attempts', async () => {
    mode = 'rate-limited';
    const error = (await inspectImage(target('single'), options()).catch(
      (e: unknown) => e,
    )) as QciError;
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      `${host} is rate limiting (HTTP 429 on the manifest, after 3 attempts)`,
    );
  });

  it('a manifest or config that does not match its digest is refused', async () => {
    mode = 'corrupt';
    await expect(
      inspectImage(target('multi'), options()),
    ).rejects.toMatchObject({ kind: 'digest-mismatch' });
  });

  it('no credentials to a realm on another host over plain HTTP', async () => {
    mode = 'foreign-realm';
    await expect(
      inspectImage(target('single'), options()),
    ).rejects.toMatchObject({ kind: 'unsafe-realm' });
  });

  it('an unknown tag: exit 5', async () => {
    mode = 'bearer';
    await expect(inspectImage(target('nope'), options())).rejects.toMatchObject(
      {
        exitCode: 5,
        message: `not found: ${host}/openshift/ci has no tag nope`,
      },
    );
  });
});
