/**
 * A registry front that records which credential arrives at its token endpoint: the ground truth for
 * "what did the engine send". Engine-agnostic: podman, skopeo and docker all go
 * GET /v2/ → 401 Bearer challenge → the realm, with HTTP Basic (user:password), a
 * `grant_type=refresh_token` POST (an identity token), or nothing (anonymous).
 *
 * Every token request gets a token; every manifest request then gets 404 `MANIFEST_UNKNOWN`, so a pull
 * ends fast after the credential has been recorded. Plain HTTP on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

/** What one token request carried. Secrets are kept: they are the test's own made-up values. */
export type SentCredential =
  | { kind: 'none' }
  | { kind: 'basic'; user: string; secret: string }
  | { kind: 'refresh-token'; secret: string }
  | { kind: 'other'; detail: string };

export interface RecordedAuth {
  method: string;
  /** The repository named in the scope (`repository:openshift/ci:pull`), if any. */
  scope: string | undefined;
  sent: SentCredential;
}

export interface RecordingFront {
  url: string;
  /** 127.0.0.1:PORT: the registry host in references and auth-file keys. */
  host: string;
  readonly auths: readonly RecordedAuth[];
  /** Every request, `METHOD path`, for debugging a disagreement. */
  readonly requests: readonly string[];
  clear(): void;
  stop(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseAuthorization(header: string): SentCredential {
  if (header === '') return { kind: 'none' };
  const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
  if (basic === undefined)
    return { kind: 'other', detail: header.split(' ')[0] ?? '' };
  const text = Buffer.from(basic, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon === -1
    ? { kind: 'other', detail: 'basic without ":"' }
    : {
        kind: 'basic',
        user: text.slice(0, colon),
        secret: text.slice(colon + 1),
      };
}

export async function startRecordingFront(): Promise<RecordingFront> {
  const auths: RecordedAuth[] = [];
  const requests: string[] = [];
  let url = '';
  let host = '';
  const json = (
    res: import('node:http').ServerResponse,
    status: number,
    value: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = `${JSON.stringify(value)}\n`;
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };
  const server: Server = createServer((req, res) => {
    const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
    requests.push(`${req.method} ${path}`);
    const authorization = req.headers.authorization ?? '';
    if (path === '/v2/auth') {
      void body(req).then((text) => {
        const params = new URLSearchParams(
          req.method === 'POST' ? text : query,
        );
        const sent: SentCredential =
          req.method === 'POST' && params.get('grant_type') === 'refresh_token'
            ? {
                kind: 'refresh-token',
                secret: params.get('refresh_token') ?? '',
              }
            : req.method === 'POST'
              ? { kind: 'other', detail: `POST ${params.get('grant_type')}` }
              : parseAuthorization(authorization);
        const scope =
          new URLSearchParams(query).get('scope') ?? params.get('scope');
        auths.push({
          method: req.method ?? 'GET',
          scope: scope ?? undefined,
          sent,
        });
        json(res, 200, {
          token: 'recorded',
          access_token: 'recorded',
          expires_in: 300,
        });
      });
      return;
    }
    req.resume();
    if (!/^Bearer /i.test(authorization))
      return json(
        res,
        401,
        { errors: [{ code: 'UNAUTHORIZED' }] },
        {
          'Www-Authenticate': `Bearer realm="${url}/v2/auth",service="${host}"`,
        },
      );
    if (path === '/v2/' || path === '/v2') return json(res, 200, {});
    json(res, 404, {
      errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }],
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('no port');
  host = `127.0.0.1:${address.port}`;
  url = `http://${host}`;
  return {
    url,
    host,
    auths,
    requests,
    clear() {
      auths.length = 0;
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
