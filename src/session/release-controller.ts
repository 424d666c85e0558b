/**
 * The release controller's public API, on qci's one HTTP client (retries on 429/5xx, proxies, TLS):
 * `/api/v1/releasestream/<stream>/latest`, `…/tags` and `/api/v1/releasestreams/all`
 * (openshift/release-controller cmd/release-controller-api/http.go). Every answer is checked
 * (core/release-api.ts); a failure becomes one sentence and the next step.
 */
import { escapeControl } from '../core/escape.js';
import { QciError } from '../core/errors.js';
import {
  notFoundMeaning,
  parseLatest,
  parseStreams,
  parseTags,
  type ApiRelease,
  type ApiTag,
  type Parsed,
} from '../core/release-api.js';
import { streamsToShow } from '../core/release.js';
import {
  DEFAULT_HTTP_OPTIONS,
  httpGet,
  type HttpResponse,
} from '../registry/http.js';

export interface ControllerOptions {
  base: string;
  env: Record<string, string | undefined>;
  tlsVerify: boolean;
  timeoutMs?: number;
  log?: (line: string) => void;
}

const hostOf = (base: string) => new URL(base).host;

/** The next step when a controller's answer is not its API. */
export const OTHER_API_HINT =
  '--release-controller URL names another API base; qci -v shows the requests';

async function get(
  path: string,
  options: ControllerOptions,
): Promise<HttpResponse> {
  try {
    return await httpGet(
      {
        url: `${options.base}${path}`,
        headers: { Accept: 'application/json' },
      },
      {
        ...DEFAULT_HTTP_OPTIONS,
        maxBodyBytes: 16 * 1024 * 1024,
        env: options.env,
        tlsVerify: options.tlsVerify,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.log ? { log: options.log } : {}),
      },
    );
  } catch (error) {
    if (error instanceof QciError && error.kind === 'answer-too-big')
      throw new QciError(
        `the release controller at ${hostOf(options.base)} answered with more than 16 MiB: not its API`,
        {
          kind: 'release-controller-error',
          hint: OTHER_API_HINT,
        },
      );
    if (error instanceof QciError && error.kind === 'unreachable')
      throw new QciError(`the release controller: ${error.message}`, {
        kind: 'unreachable',
        hint: `${error.hint ?? 'check your network or VPN'}; a mirror of the API: --release-controller URL`,
      });
    throw error;
  }
}

function checked<T>(answer: HttpResponse, parsed: Parsed<T>, what: string): T {
  if (parsed.ok) return parsed.value;
  throw new QciError(
    `the release controller at ${hostOf(answer.url)} answered ${what} with something qci cannot read (${parsed.issue})`,
    {
      kind: 'release-controller-error',
      hint: OTHER_API_HINT,
    },
  );
}

function statusError(answer: HttpResponse, what: string): QciError {
  const host = hostOf(answer.url);
  return answer.status >= 500 || answer.status === 429
    ? new QciError(
        `the release controller at ${host} answered ${what} with HTTP ${answer.status} (after ${answer.attempts} attempts)`,
        { kind: 'server-error', hint: 'try again in a few minutes' },
      )
    : new QciError(
        `the release controller at ${host} answered ${what} with HTTP ${answer.status}`,
        {
          kind: 'release-controller-error',
          hint: OTHER_API_HINT,
        },
      );
}

/** An unknown stream, with the streams the controller has (same version first). */
async function unknownStream(
  stream: string,
  options: ControllerOptions,
): Promise<QciError> {
  const answer = await get('/api/v1/releasestreams/all', options);
  const all =
    answer.status === 200
      ? Object.keys(
          checked(
            answer,
            parseStreams(answer.body.toString('utf8')),
            'the stream list',
          ),
        )
      : [];
  // The controller's names, shown one a word: no line breaks or escapes from a server.
  const { shown, more } = streamsToShow(all.map(escapeControl), stream);
  const list = shown.length
    ? `; it has ${shown.join(', ')}${more ? ` and ${more} more` : ''}`
    : '';
  return new QciError(
    `the release controller at ${hostOf(options.base)} has no stream ${stream}${list}`,
    {
      kind: 'unknown-stream',
      hint: shown[0]
        ? `qci release ${shown[0]} (each architecture has its own controller: --arch arm64|multi|ppc64le|s390x)`
        : 'check the stream name; each architecture has its own controller: --arch',
    },
  );
}

/** The stream's newest Accepted release. */
export async function fetchLatest(
  stream: string,
  options: ControllerOptions,
): Promise<ApiTag> {
  const path = `/api/v1/releasestream/${encodeURIComponent(stream)}/latest`;
  const answer = await get(path, options);
  const what = `the latest release of ${stream}`;
  if (answer.status === 404) {
    const meaning = notFoundMeaning(answer.body.toString('utf8'));
    if (meaning === 'unknown-stream')
      throw await unknownStream(stream, options);
    if (meaning === 'no-release')
      throw new QciError(`${stream} has no accepted release yet`, {
        kind: 'no-accepted-release',
        hint: `its releases, accepted or not: ${options.base}/#${stream}; or take another stream, e.g. qci release ${stream.replace(/^(\d+)\.(\d+)/, (_, a, b) => `${a}.${Number(b) - 1}`)}`,
      });
  }
  if (answer.status !== 200) throw statusError(answer, what);
  return checked(answer, parseLatest(answer.body.toString('utf8')), what);
}

/** Every release the controller lists in the stream (oldest first). */
export async function fetchStreamTags(
  stream: string,
  options: ControllerOptions,
): Promise<ApiRelease> {
  const path = `/api/v1/releasestream/${encodeURIComponent(stream)}/tags`;
  const answer = await get(path, options);
  const what = `the releases of ${stream}`;
  if (
    answer.status === 404 &&
    notFoundMeaning(answer.body.toString('utf8')) === 'unknown-stream'
  )
    throw await unknownStream(stream, options);
  if (answer.status !== 200) throw statusError(answer, what);
  return checked(answer, parseTags(answer.body.toString('utf8')), what);
}
