/**
 * A fake target cluster API (a kind cluster, or an OpenShift one with openshift-config/pull-secret) over
 * real HTTPS: Secrets and ServiceAccounts in memory, answered with the real shapes (objects with
 * resourceVersion, Status bodies, 409 Conflict on a stale resourceVersion, 401 without the cluster's
 * bearer token, 403 in namespaces the user may not touch). Every request is recorded, with its body.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeTestCa } from './tls.js';

export interface ClusterRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
  /** The JSON body of a write. */
  body?: Record<string, unknown>;
}

type KubeObject = Record<string, unknown> & {
  metadata: { name: string; namespace: string; resourceVersion: string };
};

export interface FakeCluster {
  url: string;
  /** The bearer token the cluster accepts. */
  token: string;
  readonly requests: readonly ClusterRequest[];
  /** The writes (POST, PUT, PATCH, DELETE) seen so far. */
  writes(): ClusterRequest[];
  clearRequests(): void;
  /** Forgets every object, request and forbidden namespace: a new, empty cluster at the same address. */
  reset(): void;
  /** A Secret as the cluster holds it now (undefined: none). */
  secret(namespace: string, name: string): KubeObject | undefined;
  /** Its `.dockerconfigjson`, decoded. */
  dockerConfig(namespace: string, name: string): unknown;
  /** `metadata`: more of it (labels, annotations), beside name, namespace and resourceVersion. */
  putSecret(
    namespace: string,
    name: string,
    type: string,
    data: Record<string, string>,
    metadata?: Record<string, unknown>,
  ): void;
  serviceAccount(namespace: string, name: string): KubeObject | undefined;
  putServiceAccount(
    namespace: string,
    name: string,
    imagePullSecrets?: string[],
  ): void;
  /** From now on every request in `namespace` is answered 403 Forbidden. */
  forbid(namespace: string): void;
  /**
   * A kubeconfig whose one context (`context`) reaches this cluster with its token (in a `tokenFile`
   * beside it, with `tokenFile: true`, as kubectl reads one); its path.
   */
  kubeconfig(options: {
    context: string;
    path?: string;
    tokenFile?: boolean;
  }): Promise<string>;
  stop(): Promise<void>;
}

const statusBody = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(
  req: IncomingMessage,
): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const ROUTE =
  /^\/api\/v1\/namespaces\/([^/]+)\/(secrets|serviceaccounts)(?:\/([^/]+))?$/;

export async function startFakeCluster(dir: string): Promise<FakeCluster> {
  const ca = await makeTestCa(dir, 'fake-cluster-ca');
  const token = `cluster-${randomBytes(16).toString('hex')}`;
  const requests: ClusterRequest[] = [];
  const store = new Map<string, KubeObject>(); // "secrets/ns/name" → object
  const forbidden = new Set<string>();
  let version = 100;

  function route(
    method: string,
    path: string,
    auth: string | undefined,
    body: Record<string, unknown> | undefined,
  ): [number, unknown] {
    if (auth !== `Bearer ${token}`)
      return [401, statusBody(401, 'Unauthorized', 'Unauthorized')];
    const m = ROUTE.exec(path);
    if (!m)
      return [
        404,
        statusBody(
          404,
          'NotFound',
          'the server could not find the requested resource',
        ),
      ];
    const [, namespace = '', plural = '', name] = m;
    if (forbidden.has(namespace))
      return [
        403,
        statusBody(
          403,
          'Forbidden',
          `${plural} is forbidden in namespace ${namespace}`,
        ),
      ];
    const kind = plural === 'secrets' ? 'Secret' : 'ServiceAccount';
    const key = (n: string) => `${plural}/${namespace}/${n}`;
    const notFound = (n: string) =>
      [404, statusBody(404, 'NotFound', `${plural} "${n}" not found`)] as [
        number,
        unknown,
      ];
    if (method === 'GET' && name) {
      const found = store.get(key(name));
      return found ? [200, found] : notFound(name);
    }
    const meta = (body?.metadata ?? {}) as Record<string, unknown>;
    const bodyName = String(meta.name ?? '');
    if (method === 'POST' && !name) {
      if (store.has(key(bodyName)))
        return [
          409,
          statusBody(
            409,
            'AlreadyExists',
            `${plural} "${bodyName}" already exists`,
          ),
        ];
      const created = {
        ...body,
        kind,
        apiVersion: 'v1',
        metadata: {
          ...meta,
          name: bodyName,
          namespace,
          resourceVersion: String(++version),
        },
      } as KubeObject;
      store.set(key(bodyName), created);
      return [201, created];
    }
    if (method === 'PUT' && name) {
      const current = store.get(key(name));
      if (!current) return notFound(name);
      if (meta.resourceVersion !== current.metadata.resourceVersion)
        return [
          409,
          statusBody(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified`,
          ),
        ];
      const replaced = {
        ...body,
        kind,
        apiVersion: 'v1',
        metadata: {
          ...meta,
          name,
          namespace,
          resourceVersion: String(++version),
        },
      } as KubeObject;
      store.set(key(name), replaced);
      return [200, replaced];
    }
    return [
      405,
      statusBody(405, 'MethodNotAllowed', `${method} is not supported here`),
    ];
  }

  const server: Server = createServer(
    { key: ca.keyPem, cert: ca.certPem },
    (req, res) => {
      const method = req.method ?? 'GET';
      const path = (req.url ?? '/').split('?')[0]!;
      readBody(req)
        .then((body) => {
          const [code, answer] = route(
            method,
            path,
            req.headers.authorization,
            body,
          );
          requests.push({
            method,
            path,
            status: code,
            ...(body ? { body } : {}),
          });
          send(res, code, answer);
        })
        .catch(() => send(res, 400, statusBody(400, 'BadRequest', 'bad JSON')));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const put = (
    plural: string,
    namespace: string,
    name: string,
    fields: Record<string, unknown>,
    metadata: Record<string, unknown> = {},
  ) =>
    store.set(`${plural}/${namespace}/${name}`, {
      apiVersion: 'v1',
      ...fields,
      metadata: {
        ...metadata,
        name,
        namespace,
        resourceVersion: String(++version),
      },
    });

  return {
    url,
    token,
    get requests() {
      return requests;
    },
    writes: () => requests.filter((r) => r.method !== 'GET'),
    clearRequests: () => void requests.splice(0),
    reset() {
      requests.splice(0);
      store.clear();
      forbidden.clear();
    },
    secret: (namespace, name) => store.get(`secrets/${namespace}/${name}`),
    dockerConfig(namespace, name) {
      const data = store.get(`secrets/${namespace}/${name}`)?.data as
        | Record<string, string>
        | undefined;
      const raw = data?.['.dockerconfigjson'];
      return raw === undefined
        ? undefined
        : JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    },
    putSecret: (namespace, name, type, data, metadata) =>
      void put(
        'secrets',
        namespace,
        name,
        { kind: 'Secret', type, data },
        metadata,
      ),
    serviceAccount: (namespace, name) =>
      store.get(`serviceaccounts/${namespace}/${name}`),
    putServiceAccount: (namespace, name, imagePullSecrets = []) =>
      void put('serviceaccounts', namespace, name, {
        kind: 'ServiceAccount',
        ...(imagePullSecrets.length > 0
          ? { imagePullSecrets: imagePullSecrets.map((n) => ({ name: n })) }
          : {}),
      }),
    forbid: (namespace) => void forbidden.add(namespace),
    async kubeconfig({ context, path, tokenFile }) {
      const file = path ?? join(dir, `cluster-${context}.kubeconfig`);
      const user: Record<string, string> = { token };
      if (tokenFile) {
        const tokenPath = `${file}.token`;
        await writeFile(tokenPath, `${token}\n`, { mode: 0o600 });
        delete user.token;
        user.tokenFile = tokenPath;
      }
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: context,
            cluster: {
              server: url,
              'certificate-authority-data': Buffer.from(ca.caPem).toString(
                'base64',
              ),
            },
          },
        ],
        contexts: [
          {
            name: context,
            context: { cluster: context, user: `admin-${context}` },
          },
        ],
        users: [{ name: `admin-${context}`, user }],
        'current-context': context,
      };
      await writeFile(file, stringify(config), { mode: 0o600 });
      return file;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
