/**
 * A stand-in for a release controller's public API (openshift/release-controller
 * cmd/release-controller-api/http.go), over plain HTTP on 127.0.0.1, answering as the real one does:
 *
 * - GET /api/v1/releasestream/<stream>/latest: the newest Accepted tag as `APITag` JSON
 *   (`{name, phase, pullSpec, downloadURL}`, json.MarshalIndent with two spaces, then a newline); 404 with
 *   Go's http.Error text `no release configuration exists with the requested name` for an unknown stream,
 *   `no tags exist within the release that satisfy the request` when nothing is accepted.
 * - GET /api/v1/releasestream/<stream>/tags: `APIRelease` `{name, tags}` (oldest to newest); 404
 *   `Unable to find release <stream>`.
 * - GET /api/v1/releasestreams/all: `{"<stream>": ["<name>", …]}`.
 *
 *   const rc = await startFakeReleaseController({ streams: { '4.18.0-0.ci': [{ name, phase: 'Accepted', pullSpec }] } });
 *   rc.url   // http://127.0.0.1:PORT, for QCI_RELEASE_CONTROLLER
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';

export interface FakeTag {
  name: string;
  phase: 'Accepted' | 'Rejected' | 'Ready' | 'Failed';
  pullSpec: string;
}

export interface FakeReleaseControllerOptions {
  /** Stream name → its tags, oldest first. */
  streams?: Record<string, FakeTag[]>;
  /** Delay before each answer, to play a far-away controller. */
  latencyMs?: number;
}

export interface ReleaseControllerRequest {
  path: string;
  status: number;
}

export interface FakeReleaseController {
  url: string;
  streams: Record<string, FakeTag[]>;
  latencyMs: number;
  /** Answer every request with this status and body instead (e.g. 503), until set to undefined. */
  failWith: { status: number; body: string } | undefined;
  readonly requests: readonly ReleaseControllerRequest[];
  clearRequests(): void;
  stop(): Promise<void>;
}

function goError(res: ServerResponse, code: number, text: string): number {
  const body = `${text}\n`;
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
  return code;
}

function json(res: ServerResponse, value: unknown): number {
  const body = `${JSON.stringify(value, null, 2)}\n`;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
  return 200;
}

const apiTag = (t: FakeTag) => ({
  name: t.name,
  phase: t.phase,
  pullSpec: t.pullSpec,
  downloadURL: `https://openshift-release-artifacts.apps.ci.l2s4.p1.openshiftapps.com/${t.name}`,
});

export async function startFakeReleaseController(
  options: FakeReleaseControllerOptions = {},
): Promise<FakeReleaseController> {
  const requests: ReleaseControllerRequest[] = [];
  const state: FakeReleaseController = {
    url: '',
    streams: options.streams ?? {},
    latencyMs: options.latencyMs ?? 0,
    failWith: undefined,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    stop: async () => {},
  };

  const answer = (req: IncomingMessage, res: ServerResponse): number => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (state.failWith)
      return goError(res, state.failWith.status, state.failWith.body);
    if (req.method !== 'GET') return goError(res, 405, 'method not allowed');
    if (path === '/api/v1/releasestreams/all')
      return json(
        res,
        Object.fromEntries(
          Object.entries(state.streams).map(([s, tags]) => [
            s,
            tags.length ? tags.map((t) => t.name) : null,
          ]),
        ),
      );
    const m = /^\/api\/v1\/releasestream\/([^/]+)\/(latest|tags)$/.exec(path);
    if (!m) return goError(res, 404, '404 page not found');
    const stream = decodeURIComponent(m[1]!);
    const tags = state.streams[stream];
    if (m[2] === 'tags') {
      if (!tags) return goError(res, 404, `Unable to find release ${stream}`);
      return json(res, {
        name: stream,
        tags: tags.length ? tags.map(apiTag) : null,
      });
    }
    if (!tags)
      return goError(
        res,
        404,
        'no release configuration exists with the requested name',
      );
    const latest = tags.filter((t) => t.phase === 'Accepted').at(-1);
    if (!latest)
      return goError(
        res,
        404,
        'no tags exist within the release that satisfy the request',
      );
    return json(res, apiTag(latest));
  };

  const server: Server = createServer((req, res) => {
    setTimeout(() => {
      const status = answer(req, res);
      requests.push({ path: req.url ?? '', status });
    }, state.latencyMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string')
    throw new Error('fake release controller: no port');
  state.url = `http://127.0.0.1:${address.port}`;
  state.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
