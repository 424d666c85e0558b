/**
 * qci job-image's I/O: read a job log from a URL, a file or stdin just far enough to find ci-operator's
 * "Using namespace" line, read finished.json beside it, and hand core the facts. Loaded only when the
 * command runs.
 */
import {
  closeSync,
  constants,
  createReadStream,
  openSync,
  readSync,
  type Stats,
  statSync,
} from 'node:fs';
import { formatBytes } from '../core/bytes.js';
import { type ErrorKind, messageOf, QciError } from '../core/errors.js';
import {
  buildJobImage,
  checkClusterName,
  checkPipelineTag,
  type JobImage,
  type ReadInfo,
} from '../core/joblog-image.js';
import {
  freshnessOf,
  notCheckedFreshness,
  type Freshness,
} from '../core/joblog-freshness.js';
import { MARKER, type NamespaceLine } from '../core/joblog-line.js';
import {
  NamespaceScanner,
  contentError,
  emptyLogError,
  noNamespaceLineError,
  type BytesIndexOf,
} from '../core/joblog-scan.js';
import {
  CI_OPERATOR_LOG,
  LOG_FILE,
  fetchHosts,
  resolveLogSource,
  type LogCandidate,
  type LogSource,
} from '../core/joblog-source.js';
import { HttpClient, type HttpResponse } from './http.js';

export interface FindOptions {
  /** The pipeline tag for the pull spec (src, bin, …). */
  tag: string;
  /** The cluster, when the log does not name it (or names it wrongly). */
  cluster?: string | undefined;
  timeoutMs: number;
  /** Stop a download after this many bytes without the line (files and stdin are read to the end). */
  maxBytes: number;
  maxRedirects: number;
  gcsBaseUrl: string;
  prowBaseUrl: string;
  userAgent: string;
  now?: () => number;
  /** --verbose. */
  trace?: (message: string) => void;
  /** Told when qci waits on a terminal for the log. */
  notice?: (message: string) => void;
}

/** Node's Buffer#indexOf: a vectorised search, several times faster than a byte loop on big logs. */
const bufferIndexOf: BytesIndexOf = (haystack, needle, from) =>
  (Buffer.isBuffer(haystack)
    ? haystack
    : Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length)
  ).indexOf(needle, from);

/**
 * 1 MiB synchronous reads. 64 KiB reads scanned faster in a first test; measured here with sync reads
 * (bench/job-image.mjs prints both) the per-chunk cost dominates and 1 MiB scans 200 MB in about half
 * the CPU time of 64 KiB.
 */
const FILE_CHUNK = 1024 * 1024;
const FINISHED_MAX_BYTES = 1024 * 1024;

interface Scanned {
  line: NamespaceLine;
  bytes: number;
}

/** Feeds `chunks` to the scanner until the line turns up; returning early closes the source. */
async function scan(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>,
  where: string,
  maxBytes: number | null,
): Promise<Scanned> {
  const scanner = new NamespaceScanner(bufferIndexOf);
  for await (const raw of chunks) {
    const line = scanner.push(typeof raw === 'string' ? Buffer.from(raw) : raw);
    if (scanner.problem) throw contentError(where, scanner.problem);
    if (line) return { line, bytes: scanner.bytes };
    if (maxBytes !== null && scanner.bytes >= maxBytes) {
      throw new QciError(
        `stopped reading ${where} after ${formatBytes(scanner.bytes)} without a "${MARKER}" line`,
        {
          kind: 'log-too-big',
          hint: `ci-operator prints it near the start of ${LOG_FILE}; is this the right log? (the limit is --max-bytes, env QCI_JOB_LOG_MAX_BYTES)`,
        },
      );
    }
  }
  const line = scanner.end();
  if (line) return { line, bytes: scanner.bytes };
  if (!scanner.sawText) throw emptyLogError(where);
  throw noNamespaceLineError(where, scanner.bytes, scanner.rejected);
}

/**
 * A file's bytes. A regular file is read synchronously, 1 MiB at a time (the fastest way through a
 * 200 MB log); a FIFO or `<(…)` in the event loop, and a device as a stream, so that a writer that
 * never comes, or stalls, meets --timeout instead of holding qci forever.
 */
function fileChunks(
  path: string,
): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  let stats: Stats;
  try {
    stats = statSync(path);
    if (stats.isDirectory())
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    throw fileError(path, error);
  }
  if (stats.isFile()) return regularChunks(path);
  return stats.isFIFO() || stats.isSocket()
    ? pipeChunks(path)
    : streamChunks(path);
}

/**
 * A FIFO or `<(…)`: opened without waiting for a writer and read in the event loop, as Node reads a
 * piped stdin, so that nothing holds a thread when --timeout gives up on it.
 */
async function* pipeChunks(path: string): AsyncGenerator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw fileError(path, error);
  }
  const { Socket } = await import('node:net');
  yield* streamed(path, new Socket({ fd, readable: true, writable: false }));
}

/** A regular file's chunks, read synchronously: a read through the thread pool costs more than the search of what it returns. */
function* regularChunks(path: string): Generator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fileError(path, error);
  }
  try {
    // One buffer, reused: the scanner copies the little it keeps.
    const buffer = Buffer.allocUnsafe(FILE_CHUNK);
    for (;;) {
      const n = readSync(fd, buffer, 0, FILE_CHUNK, null);
      if (n === 0) return;
      yield buffer.subarray(0, n);
    }
  } catch (error) {
    throw error instanceof QciError ? error : fileError(path, error);
  } finally {
    closeSync(fd);
  }
}

function streamChunks(path: string): AsyncGenerator<Uint8Array> {
  return streamed(path, createReadStream(path, { highWaterMark: FILE_CHUNK }));
}

/** A stream's chunks, its errors named after `path`, the stream closed however the reading ends. */
async function* streamed(
  path: string,
  stream: AsyncIterable<unknown> & { destroy(): unknown },
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (error) {
    throw fileError(path, error);
  } finally {
    stream.destroy();
  }
}

/** A local log that has not ended by --timeout (a stalled pipe, a FIFO nobody writes): given up on. */
async function withDeadline<T>(
  work: Promise<T>,
  timeoutMs: number,
  where: string,
  stop: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      stop();
      reject(
        new QciError(
          `gave up after ${timeoutMs / 1000} s (--timeout): ${where} had not ended, nor shown a "${MARKER}" line`,
          {
            kind: 'timeout',
            hint: 'is whatever writes it stalled? allow more time with --timeout SECONDS (env QCI_JOB_LOG_TIMEOUT)',
          },
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function fileError(path: string, error: unknown): QciError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    const looksLikeHost =
      /^(?:prow\.ci\.openshift\.org|gcsweb-ci\.|storage\.googleapis\.com)/.test(
        path,
      );
    return new QciError(`no such file: ${path}`, {
      kind: 'not-found',
      hint: looksLikeHost
        ? `for a URL, include the scheme: qci job-image https://${path}`
        : 'pass a Prow job URL, a build-log.txt URL or file, or - for standard input',
    });
  }
  if (code === 'EISDIR')
    return new QciError(`${path} is a directory`, {
      kind: 'bad-source',
      hint: `pass the ${LOG_FILE} inside it`,
    });
  if (code === 'EACCES')
    return new QciError(`cannot read ${path}: permission denied`, {
      kind: 'io',
    });
  return new QciError(`cannot read ${path}: ${(error as Error).message}`, {
    kind: 'io',
    cause: error,
  });
}

/** Why none of the places answered with the log. */
function fetchFailed(
  source: Extract<LogSource, { kind: 'url' }>,
  attempts: ReadInfo['attempts'],
): QciError {
  const statuses = attempts.map((a) => a.status);
  const listed = attempts
    .map((a) => `${a.label} answered ${a.status}`)
    .join(', ');
  const what = source.job
    ? `the log of ${source.job.name} #${source.job.buildId}`
    : source.input;
  if (statuses.some((s) => s === 401 || s === 403)) {
    return new QciError(`cannot read ${what}: ${listed}`, {
      kind: 'log-denied',
      hint: `${attempts[0]?.label ?? 'the bucket'} needs a Google login: open the job's page in a browser, save ${LOG_FILE}, and run qci job-image FILE`,
    });
  }
  if (statuses.every((s) => s === 404)) {
    return new QciError(`no log found for ${what}: ${listed}`, {
      kind: 'log-not-found',
      hint: 'check the URL (copy it from the job page in Prow); very old jobs may have been deleted',
    });
  }
  return new QciError(`cannot read ${what}: ${listed}`, {
    kind: 'log-unavailable',
    hint: 'the server had a problem; try again later',
  });
}

async function readText(response: HttpResponse, max: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > max)
      throw new QciError(`${response.url} is larger than ${formatBytes(max)}`, {
        kind: 'bad-finished-json',
      });
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** finished.json beside the log: in the bucket that served it first, then its twin. */
async function freshnessFor(
  client: HttpClient,
  candidates: LogCandidate[],
  served: LogCandidate,
  now: number,
): Promise<Freshness> {
  const order = [served, ...candidates.filter((c) => c !== served)].filter(
    (c) => c.finishedUrl !== null,
  );
  if (order.length === 0)
    return notCheckedFreshness(
      `there is no finished.json beside ${served.logUrl}, so qci cannot tell when the job ended`,
    );
  let missing = false;
  const denied: string[] = [];
  for (const candidate of order) {
    try {
      const response = await client.get(candidate.finishedUrl!);
      if (response.status === 200)
        return freshnessOf(await readText(response, FINISHED_MAX_BYTES), now);
      response.close();
      if (response.status === 404) {
        missing = true;
        // The bucket the log came from has no finished.json: the job has not finished.
        if (candidate === served) break;
        continue;
      }
      denied.push(`${candidate.label} answered ${response.status}`);
    } catch (error) {
      const message = messageOf(error);
      return notCheckedFreshness(
        `could not read finished.json (${message}), so qci cannot tell when the job ended`,
      );
    }
  }
  if (missing) return freshnessOf(null, now);
  return notCheckedFreshness(
    `could not read finished.json (${denied.join(', ')}), so qci cannot tell when the job ended`,
  );
}

type UrlSource = Extract<LogSource, { kind: 'url' }>;
type FromUrl = { scanned: Scanned; read: ReadInfo; freshness: Freshness };

/** Errors after which the job's artifacts/ci-operator.log is read instead of build-log.txt. */
const FALL_BACK_ON = new Set<ErrorKind>([
  'log-not-found',
  'no-namespace-line',
  'log-too-big',
]);

/** build-log.txt first; if it is missing or has no line, the job's ci-operator.log (ci-tools cmd/ci-operator/main.go). */
async function fromUrl(
  source: UrlSource,
  options: FindOptions,
): Promise<FromUrl> {
  const fallbacks = source.fallbacks ?? [];
  try {
    return await fromCandidates(source, source.candidates, options);
  } catch (error) {
    if (
      fallbacks.length === 0 ||
      !(error instanceof QciError) ||
      !FALL_BACK_ON.has(error.kind)
    )
      throw error;
    const why =
      error.kind === 'log-not-found'
        ? `no ${LOG_FILE} (${error.message.replace(/^.*?: /, '')})`
        : `${LOG_FILE} has no "${MARKER}" line`;
    options.trace?.(`${why}; reading artifacts/${CI_OPERATOR_LOG}`);
    try {
      const found = await fromCandidates(
        { ...source, candidates: fallbacks },
        fallbacks,
        options,
      );
      found.read.fallback = `${why}; read artifacts/${CI_OPERATOR_LOG} instead`;
      return found;
    } catch (second) {
      // Not there either: the build log's own error says more.
      if (second instanceof QciError && second.kind === 'log-not-found')
        throw error;
      throw second;
    }
  }
}

async function fromCandidates(
  source: UrlSource,
  candidates: LogCandidate[],
  options: FindOptions,
): Promise<FromUrl> {
  const client = new HttpClient({
    timeoutMs: options.timeoutMs,
    maxRedirects: options.maxRedirects,
    allowedHosts: fetchHosts({
      gcsBaseUrl: options.gcsBaseUrl,
      prowBaseUrl: options.prowBaseUrl,
    }),
    userAgent: options.userAgent,
    ...(options.trace ? { trace: options.trace } : {}),
  });
  try {
    const attempts: ReadInfo['attempts'] = [];
    for (const [index, candidate] of candidates.entries()) {
      const response = await client.get(candidate.logUrl);
      if (response.status === 200) {
        const scanned = await scan(
          response.body,
          response.url,
          options.maxBytes,
        );
        options.trace?.(
          `found the line after ${formatBytes(scanned.bytes)} (${formatBytes(response.wireBytes())} downloaded); stopped reading`,
        );
        const read: ReadInfo = {
          location: response.url,
          kind: 'url',
          bucket: candidate.bucket,
          attempts,
          bytesRead: scanned.bytes,
        };
        const freshness = await freshnessFor(
          client,
          candidates,
          candidate,
          options.now?.() ?? Date.now(),
        );
        return { scanned, read, freshness };
      }
      response.close();
      attempts.push({
        label: candidate.label,
        url: candidate.logUrl,
        status: response.status,
      });
      const more = index < candidates.length - 1;
      if (!more || ![401, 403, 404].includes(response.status))
        throw fetchFailed(source, attempts);
    }
    throw fetchFailed(source, attempts);
  } finally {
    client.close();
  }
}

/** Finds the job's namespace and what to pull: everything `qci job-image SOURCE` reports. */
export async function findJobImage(
  input: string,
  /** Standard input, asked for only when SOURCE is `-` (touching process.stdin sets up a stream). */
  openStdin: () => NodeJS.ReadableStream & { isTTY?: boolean },
  options: FindOptions,
): Promise<JobImage> {
  const tag = checkPipelineTag(options.tag);
  if (options.cluster !== undefined) checkClusterName(options.cluster);
  const source = resolveLogSource(input, {
    gcsBaseUrl: options.gcsBaseUrl,
    prowBaseUrl: options.prowBaseUrl,
  });
  const localFreshness = notCheckedFreshness(
    "unknown without the job's finished.json; build farms delete a job's namespace about an hour after the job ends",
  );

  let scanned: Scanned;
  let read: ReadInfo;
  let freshness: Freshness;
  if (source.kind === 'url') {
    ({ scanned, read, freshness } = await fromUrl(source, options));
  } else if (source.kind === 'file') {
    const chunks = fileChunks(source.path);
    scanned = await withDeadline(
      scan(chunks, source.path, null),
      options.timeoutMs,
      source.path,
      () => undefined,
    );
    read = {
      location: source.path,
      kind: 'file',
      bucket: null,
      attempts: [],
      bytesRead: scanned.bytes,
    };
    freshness = localFreshness;
  } else {
    const stdin = openStdin();
    if (stdin.isTTY)
      options.notice?.(
        'reading the job log from standard input (end it with Ctrl-D)',
      );
    scanned = await withDeadline(
      scan(stdin as AsyncIterable<Uint8Array | string>, 'standard input', null),
      options.timeoutMs,
      'standard input',
      () => (stdin as { destroy?: () => void }).destroy?.(),
    );
    read = {
      location: 'standard input',
      kind: 'stdin',
      bucket: null,
      attempts: [],
      bytesRead: scanned.bytes,
    };
    freshness = localFreshness;
  }
  return buildJobImage({
    source,
    read,
    line: scanned.line,
    tag,
    clusterOverride: options.cluster,
    freshness,
  });
}
