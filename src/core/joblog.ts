/**
 * Job logs (REFERENCE §2): where a CI job's build-log.txt lives for every URL form people paste, the
 * "Using namespace" line ci-operator prints when the job starts (found by a streaming scanner), and what
 * it tells a user: build farm, namespace, registry, pull spec, and whether the namespace is still there.
 * Pure: src/joblog/ does the reading and fetching.
 */
import {
  clusterForConsoleHost,
  clusterNamed,
  type ClusterRegistry,
} from './clusters.js';
import { ExitCode, QciError, usageError } from './errors.js';

export const DEFAULT_GCS_BASE_URL = 'https://storage.googleapis.com';
export const DEFAULT_PROW_BASE_URL = 'https://prow.ci.openshift.org';
export const PROW_HOST = 'prow.ci.openshift.org';
export const GCSWEB_HOST = 'gcsweb-ci.apps.ci.l2s4.p1.openshiftapps.com';
export const GCS_HOST = 'storage.googleapis.com';
/** The browser form of a GCS object (needs a Google login); the same object is read from GCS_HOST. */
export const GCS_BROWSER_HOST = 'storage.cloud.google.com';
export const PRIVATE_BUCKET = 'test-platform-results';
export const PUBLIC_BUCKET = 'test-platform-results-public';
export const LOG_FILE = 'build-log.txt';
export const FINISHED_FILE = 'finished.json';
/** The build farm deletes a job's namespace (and its images) about an hour after the job ends. */
export const NAMESPACE_LIFETIME_SECONDS = 3600;
export const DEFAULT_PIPELINE_TAG = 'src';
export const MARKER = 'Using namespace';
/** Longer lines are not ci-operator's: the scanner keeps only this much of a line that spans chunks. */
export const MAX_LINE_BYTES = 64 * 1024;
/** How much of the start of a log is checked for NUL bytes, as git and grep do to call a file binary. */
const BINARY_PROBE_BYTES = 8000;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', '::1', 'localhost']);
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const PIPELINE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

// ---------------------------------------------------------------------------------------------------
// Where the log is

export type UrlForm =
  | 'prow'
  | 'prow-live-log'
  | 'gcsweb'
  | 'gcs'
  | 'gs'
  | 'direct';

/** One place the log may be read from; a source has several when a bucket has a public twin. */
export interface LogCandidate {
  /** For messages: the bucket, "Prow live log", or the URL's host. */
  label: string;
  bucket: string | null;
  logUrl: string;
  /** finished.json beside the log; null when there is no job directory (live log, or a bare URL). */
  finishedUrl: string | null;
}

export type JobType = 'presubmit' | 'batch' | 'periodic-or-postsubmit';

/** A job's directory in a bucket, as Prow lays it out. */
export interface JobPath {
  bucket: string;
  /** e.g. pr-logs/pull/openshift_origin/123/pull-ci-openshift-origin-master-e2e/456 (no slashes at the ends). */
  dir: string;
  type: JobType;
  name: string;
  buildId: string;
  /** org_repo as the path spells it; null for periodics, batches and origin's short form. */
  repo: string | null;
  pr: number | null;
}

export type LogSource =
  | { kind: 'stdin'; input: string }
  | { kind: 'file'; input: string; path: string }
  | {
      kind: 'url';
      input: string;
      form: UrlForm;
      job: JobPath | null;
      jobName: string | null;
      buildId: string | null;
      candidates: LogCandidate[];
    };

export interface SourceOptions {
  gcsBaseUrl?: string;
  prowBaseUrl?: string;
}

const SOURCE_FORMS =
  'a Prow job URL (https://prow.ci.openshift.org/view/gs/BUCKET/PATH), a gcsweb or storage.googleapis.com URL, ' +
  'gs://BUCKET/PATH, a build-log.txt URL, a local file, or - for standard input';

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/**
 * May qci fetch this URL? https to anywhere it is asked to (the caller limits hosts), http only to loopback
 * (tests). Null when allowed, else the reason.
 */
export function fetchRefusal(
  url: URL,
  allowedHosts: readonly string[],
): string | null {
  const host = url.hostname.toLowerCase();
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    if (isLoopbackHost(host)) return null;
    if (url.protocol === 'http:')
      return `plain http is only used for loopback addresses; ${url.host} must be reached over https`;
    if (
      !allowedHosts.includes(url.host.toLowerCase()) &&
      !allowedHosts.includes(host)
    ) {
      return `${url.host} is not a host qci reads job logs from (${allowedHosts.join(', ')})`;
    }
    return null;
  }
  return `${url.protocol.replace(/:$/, '')}: URLs are not fetched; qci reads job logs over https`;
}

/** Does SOURCE look like a URL rather than a file path? */
function looksLikeUrl(input: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]+:\/\//i.test(input) ||
    /^(?:file|ftp|ftps|https?|gs|sftp|data):/i.test(input)
  );
}

function trimBase(base: string): string {
  return base.replace(/\/+$/, '');
}

/** Prow's layouts: logs/JOB/ID, pr-logs/pull/batch/JOB/ID, pr-logs/pull/ORG_REPO/PR/JOB/ID, pr-logs/pull/PR/JOB/ID (origin). */
export function parseJobPath(
  bucket: string,
  segments: readonly string[],
): { job: JobPath; rest: string[] } | null {
  const s = segments;
  const id = (i: number) => s[i] !== undefined && /^\d+$/.test(s[i]!);
  const make = (
    depth: number,
    type: JobType,
    repo: string | null,
    pr: number | null,
  ): { job: JobPath; rest: string[] } => ({
    job: {
      bucket,
      dir: s.slice(0, depth).join('/'),
      type,
      name: s[depth - 2]!,
      buildId: s[depth - 1]!,
      repo,
      pr,
    },
    rest: s.slice(depth),
  });
  if (s[0] === 'logs' && s[1] && id(2))
    return make(3, 'periodic-or-postsubmit', null, null);
  if (s[0] !== 'pr-logs' || s[1] !== 'pull') return null;
  if (s[2] === 'batch' && s[3] && id(4)) return make(5, 'batch', null, null);
  if (s[2] && id(3) && s[4] && id(5))
    return make(6, 'presubmit', s[2]!, Number(s[3]));
  if (id(2) && s[3] && id(4)) return make(5, 'presubmit', null, Number(s[2]));
  return null;
}

function liveLogCandidate(
  prowBase: string,
  job: string,
  id: string,
): LogCandidate {
  return {
    label: 'Prow live log',
    bucket: null,
    logUrl: `${prowBase}/log?job=${encodeURIComponent(job)}&id=${encodeURIComponent(id)}`,
    finishedUrl: null,
  };
}

/** The candidates for an object path in a bucket: the job's build-log.txt (or the file named), twin bucket, live log. */
function bucketSource(
  input: string,
  form: UrlForm,
  bucket: string,
  segments: string[],
  directory: boolean,
  opts: Required<SourceOptions>,
): LogSource {
  if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(bucket)) {
    throw usageError(`"${input}": "${bucket}" is not a bucket name`, {
      kind: 'bad-source',
      hint: `expected ${SOURCE_FORMS}`,
    });
  }
  const parsed = parseJobPath(bucket, segments);
  const buckets =
    bucket === PRIVATE_BUCKET ? [PRIVATE_BUCKET, PUBLIC_BUCKET] : [bucket];
  const gcs = trimBase(opts.gcsBaseUrl);
  if (parsed) {
    const { job, rest } = parsed;
    const last = rest.at(-1);
    // A directory (the job page, a gcsweb listing) means the job's own log; a file is read as named.
    const file =
      rest.length === 0 || directory || !last?.includes('.')
        ? LOG_FILE
        : rest.join('/');
    const candidates: LogCandidate[] = buckets.map((b) => ({
      label: b,
      bucket: b,
      logUrl: `${gcs}/${b}/${job.dir}/${file}`,
      finishedUrl: `${gcs}/${b}/${job.dir}/${FINISHED_FILE}`,
    }));
    // build-log.txt reaches the bucket only when the job ends; while it runs, Prow serves the log itself.
    if (file === LOG_FILE)
      candidates.push(
        liveLogCandidate(trimBase(opts.prowBaseUrl), job.name, job.buildId),
      );
    return {
      kind: 'url',
      input,
      form,
      job,
      jobName: job.name,
      buildId: job.buildId,
      candidates,
    };
  }
  if (segments.at(-1) === LOG_FILE && !directory) {
    const dir = segments.slice(0, -1).join('/');
    const candidates = buckets.map((b) => ({
      label: b,
      bucket: b,
      logUrl: `${gcs}/${b}/${dir}/${LOG_FILE}`,
      finishedUrl: `${gcs}/${b}/${dir}/${FINISHED_FILE}`,
    }));
    return {
      kind: 'url',
      input,
      form,
      job: null,
      jobName: null,
      buildId: null,
      candidates,
    };
  }
  throw usageError(
    `"${input}" is not a Prow job path: expected BUCKET/logs/JOB/ID, BUCKET/pr-logs/pull/ORG_REPO/PR/JOB/ID, BUCKET/pr-logs/pull/batch/JOB/ID or a path ending in /${LOG_FILE}`,
    {
      kind: 'bad-source',
      hint: 'copy the URL of the job page from Prow (the page that shows the build log)',
    },
  );
}

function splitPath(pathname: string): {
  segments: string[];
  directory: boolean;
} {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { segments, directory: pathname.endsWith('/') };
}

/** Where to read SOURCE from: stdin, a file, or the URLs to try in order (REFERENCE §2). Throws a usage error for what qci cannot read. */
export function resolveLogSource(
  input: string,
  options: SourceOptions = {},
): LogSource {
  const opts: Required<SourceOptions> = {
    gcsBaseUrl: options.gcsBaseUrl ?? DEFAULT_GCS_BASE_URL,
    prowBaseUrl: options.prowBaseUrl ?? DEFAULT_PROW_BASE_URL,
  };
  if (input === '-') return { kind: 'stdin', input };
  if (input.trim() === '')
    throw usageError('SOURCE is empty', {
      kind: 'bad-source',
      hint: `expected ${SOURCE_FORMS}`,
    });
  if (!looksLikeUrl(input)) return { kind: 'file', input, path: input };

  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw usageError(`"${input}" is not a valid URL`, {
      kind: 'bad-source',
      hint: `expected ${SOURCE_FORMS}`,
    });
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (scheme === 'file') {
    throw usageError(`file: URLs are not read: "${input}"`, {
      kind: 'bad-source',
      hint: `pass the path itself: qci job-image ${decodeURIComponent(url.pathname)}`,
    });
  }
  if (scheme === 'gs') {
    const { segments, directory } = splitPath(url.pathname);
    return bucketSource(input, 'gs', url.hostname, segments, directory, opts);
  }
  if (scheme !== 'https' && scheme !== 'http') {
    throw usageError(`${scheme}: URLs are not supported: "${input}"`, {
      kind: 'bad-source',
      hint: `qci reads job logs over https; expected ${SOURCE_FORMS}`,
    });
  }

  const host = url.host.toLowerCase();
  const under = (base: string): string | null => {
    const b = new URL(trimBase(base));
    if (b.host.toLowerCase() !== host || url.protocol !== b.protocol)
      return null;
    const prefix = b.pathname.replace(/\/+$/, '');
    return url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)
      ? url.pathname.slice(prefix.length) || '/'
      : null;
  };
  // Test servers stand in for GCS and Prow under the same path layout (QCI_GCS_BASE_URL, QCI_PROW_BASE_URL).
  const gcsPath =
    host === GCS_HOST || host === GCS_BROWSER_HOST
      ? url.pathname
      : under(opts.gcsBaseUrl);
  const prowPath = host === PROW_HOST ? url.pathname : under(opts.prowBaseUrl);

  if (gcsPath !== null) {
    const { segments, directory } = splitPath(gcsPath);
    const [bucket, ...rest] = segments;
    if (!bucket)
      throw usageError(`"${input}" names no bucket`, {
        kind: 'bad-source',
        hint: `expected ${SOURCE_FORMS}`,
      });
    return bucketSource(input, 'gcs', bucket, rest, directory, opts);
  }
  if (host === GCSWEB_HOST) {
    const { segments, directory } = splitPath(url.pathname);
    if (segments[0] !== 'gcs' || !segments[1]) {
      throw usageError(
        `"${input}" is not a gcsweb job URL (expected https://${GCSWEB_HOST}/gcs/BUCKET/PATH)`,
        { kind: 'bad-source' },
      );
    }
    return bucketSource(
      input,
      'gcsweb',
      segments[1],
      segments.slice(2),
      directory,
      opts,
    );
  }
  if (prowPath !== null) {
    const { segments, directory } = splitPath(prowPath);
    if (
      segments[0] === 'view' &&
      (segments[1] === 'gs' || segments[1] === 'gcs') &&
      segments[2]
    ) {
      return bucketSource(
        input,
        'prow',
        segments[2],
        segments.slice(3),
        directory,
        opts,
      );
    }
    if (segments.length === 1 && segments[0] === 'log') {
      const job = url.searchParams.get('job');
      const id = url.searchParams.get('id');
      if (job && id && /^\d+$/.test(id)) {
        return {
          kind: 'url',
          input,
          form: 'prow-live-log',
          job: null,
          jobName: job,
          buildId: id,
          candidates: [liveLogCandidate(trimBase(opts.prowBaseUrl), job, id)],
        };
      }
    }
    throw usageError(
      `"${input}" is not a Prow job URL (expected https://${PROW_HOST}/view/gs/BUCKET/PATH or /log?job=JOB&id=ID)`,
      {
        kind: 'bad-source',
        hint: 'open the job in Prow and copy the address of its page',
      },
    );
  }
  if (isLoopbackHost(url.hostname)) {
    // A test server: read the URL as given, with finished.json beside a build-log.txt.
    const { segments } = splitPath(url.pathname);
    const finished =
      segments.at(-1) === LOG_FILE ? new URL(FINISHED_FILE, url).href : null;
    return {
      kind: 'url',
      input,
      form: 'direct',
      job: null,
      jobName: null,
      buildId: null,
      candidates: [
        {
          label: url.host,
          bucket: null,
          logUrl: url.href,
          finishedUrl: finished,
        },
      ],
    };
  }
  throw usageError(`unknown host ${url.host} in "${input}"`, {
    kind: 'bad-source',
    hint: `qci reads job logs from ${PROW_HOST}, ${GCSWEB_HOST} and ${GCS_HOST}; expected ${SOURCE_FORMS}`,
  });
}

/** The hosts a log may be fetched from, redirects included: GCS, Prow and the configured stand-ins. */
export function fetchHosts(options: SourceOptions = {}): string[] {
  const hosts = new Set([GCS_HOST, PROW_HOST]);
  for (const base of [options.gcsBaseUrl, options.prowBaseUrl])
    if (base) hosts.add(new URL(base).host.toLowerCase());
  return [...hosts];
}

// ---------------------------------------------------------------------------------------------------
// The line

export interface NamespaceLine {
  /** The line as found, without colour codes or carriage returns. */
  line: string;
  namespace: string;
  consoleHost: string | null;
  consoleUrl: string | null;
  /** The timestamp the line carries (its own format), when it has one. */
  loggedAt: string | null;
}

// CSI (colours, cursor) and OSC (titles, links) sequences.
const ANSI =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

function loggedAt(prefix: string): string | null {
  return (
    /^\s*(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2})/.exec(prefix)?.[1] ?? // 2020/11/20 14:12:28 (old ci-operator)
    /^\s*[A-Z]{4,7}\[([^\]]+)\]/.exec(prefix)?.[1] ?? // INFO[2024-05-01T12:00:00Z] (logrus, terminal style)
    /\btime="([^"]+)"/.exec(prefix)?.[1] ?? // time="…" level=info msg="…" (logrus, key=value style)
    null
  );
}

/**
 * ci-operator's `Using namespace https://<console-host>/k8s/cluster/projects/<ns>` (or `Using namespace <ns>`
 * when it does not know the console), in any of its log styles. Null for any other line.
 */
export function parseNamespaceLine(raw: string): NamespaceLine | null {
  const clean = stripAnsi(raw);
  // A carriage return inside a line is a terminal overwrite (progress output): keep the part with the marker.
  const line = clean
    .split('\r')
    .find((part) => part.includes(MARKER))
    ?.trim();
  if (!line) return null;
  const match = /Using namespace (\S+)/.exec(line);
  if (!match) return null;
  const target = match[1]!.replace(/(?:\\?["'])+$/, '').replace(/[.,;]$/, '');
  const at = loggedAt(line.slice(0, match.index));
  if (/^https?:\/\//i.test(target)) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return null;
    }
    const ns = /\/k8s\/(?:cluster\/projects|ns)\/([^/?#]+)/.exec(
      url.pathname,
    )?.[1];
    if (!ns || !DNS_LABEL.test(ns)) return null;
    return {
      line,
      namespace: ns,
      consoleHost: url.host.toLowerCase(),
      consoleUrl: url.href,
      loggedAt: at,
    };
  }
  if (!DNS_LABEL.test(target)) return null;
  return {
    line,
    namespace: target,
    consoleHost: null,
    consoleUrl: null,
    loggedAt: at,
  };
}

// ---------------------------------------------------------------------------------------------------
// The scanner

/** Finds `needle` in `haystack` from `from`; Node's Buffer#indexOf is the fast one, injected by the reader. */
export type BytesIndexOf = (
  haystack: Uint8Array,
  needle: Uint8Array,
  from: number,
) => number;

/** A plain implementation, for environments without Buffer (and to test the scanner against). */
export const plainIndexOf: BytesIndexOf = (haystack, needle, from) => {
  const first = needle[0];
  if (first === undefined) return from;
  for (
    let i = haystack.indexOf(first, from);
    i !== -1 && i + needle.length <= haystack.length;
    i = haystack.indexOf(first, i + 1)
  ) {
    let k = 1;
    while (k < needle.length && haystack[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
};

const MARKER_BYTES = new TextEncoder().encode(MARKER);
const NEWLINE = 0x0a;

export type ContentProblem = 'binary' | 'gzip' | null;

/**
 * Finds the first namespace line in a byte stream fed in chunks of any size, without holding more than
 * one line: a line that spans chunks is carried (up to MAX_LINE_BYTES), everything else is looked at in
 * place. Also notices what is not a log: NUL bytes or a gzip header at the start, or nothing but blanks.
 */
export class NamespaceScanner {
  /** Bytes fed so far. */
  bytes = 0;
  problem: ContentProblem = null;
  /** True once a byte other than blanks and line ends has been seen. */
  sawText = false;
  private carry: Uint8Array | null = null;
  private carryLength = 0;
  private found: NamespaceLine | null = null;
  private readonly decoder = new TextDecoder();

  constructor(private readonly indexOf: BytesIndexOf = plainIndexOf) {}

  /** Feeds the next chunk; returns the line once found (later chunks are ignored). */
  push(chunk: Uint8Array): NamespaceLine | null {
    if (this.found || this.problem) return this.found;
    if (this.bytes < BINARY_PROBE_BYTES) this.probe(chunk);
    this.bytes += chunk.length;
    if (this.problem) return null;
    if (!this.sawText)
      this.sawText = chunk.some(
        (b) => b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== NEWLINE,
      );

    let pos = 0;
    if (this.carryLength > 0) {
      // The line that started in an earlier chunk: complete it, check it.
      const nl = chunk.indexOf(NEWLINE);
      this.append(nl === -1 ? chunk : chunk.subarray(0, nl));
      if (nl === -1) return null;
      const line = this.checkCarry();
      if (line) return (this.found = line);
      pos = nl + 1;
    }
    // From `pos` on, the chunk starts at a line start.
    let from = pos;
    for (;;) {
      const at = this.indexOf(chunk, MARKER_BYTES, from);
      if (at === -1) break;
      const start = Math.max(pos, chunk.lastIndexOf(NEWLINE, at) + 1);
      const end = chunk.indexOf(NEWLINE, at + MARKER_BYTES.length);
      if (end === -1) {
        this.keep(chunk.subarray(start));
        return null;
      }
      const line = parseNamespaceLine(
        this.decoder.decode(chunk.subarray(start, end)),
      );
      if (line) return (this.found = line);
      from = end + 1;
    }
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    const tail = Math.max(pos, lastNewline + 1);
    if (tail < chunk.length) this.keep(chunk.subarray(tail));
    return null;
  }

  /** End of input: the last line may have had no newline. */
  end(): NamespaceLine | null {
    if (this.found || this.problem) return this.found;
    if (this.carryLength > 0) this.found = this.checkCarry();
    return this.found;
  }

  private probe(chunk: Uint8Array): void {
    if (
      this.bytes === 0 &&
      chunk.length >= 2 &&
      chunk[0] === 0x1f &&
      chunk[1] === 0x8b
    ) {
      this.problem = 'gzip';
      return;
    }
    const probe = chunk.subarray(0, BINARY_PROBE_BYTES - this.bytes);
    if (probe.indexOf(0) !== -1) this.problem = 'binary';
  }

  private checkCarry(): NamespaceLine | null {
    const bytes = this.carry!.subarray(0, this.carryLength);
    this.carryLength = 0;
    if (this.indexOf(bytes, MARKER_BYTES, 0) === -1) return null;
    return parseNamespaceLine(this.decoder.decode(bytes));
  }

  /** Starts the carried line with a copy of `bytes` (chunks may be reused by the reader). */
  private keep(bytes: Uint8Array): void {
    this.carryLength = 0;
    this.append(bytes);
  }

  private append(bytes: Uint8Array): void {
    this.carry ??= new Uint8Array(MAX_LINE_BYTES);
    const n = Math.min(bytes.length, MAX_LINE_BYTES - this.carryLength);
    this.carry.set(bytes.subarray(0, n), this.carryLength);
    // A line longer than the cap keeps its first MAX_LINE_BYTES (and stays "open" until its newline).
    this.carryLength += n;
  }
}

// ---------------------------------------------------------------------------------------------------
// Problems with what was read (the reader names the source)

export function contentError(
  where: string,
  problem: Exclude<ContentProblem, null>,
): QciError {
  if (problem === 'gzip') {
    return new QciError(`${where} is gzip-compressed, not a job log`, {
      kind: 'binary-log',
      hint: `decompress it first: gzip -dc FILE | qci job-image -`,
    });
  }
  return new QciError(`${where} is a binary file, not a job log`, {
    kind: 'binary-log',
    hint: `pass the job's ${LOG_FILE} (a text file) or its Prow URL`,
  });
}

export function emptyLogError(where: string): QciError {
  return new QciError(`${where} is empty: there is no log to search`, {
    kind: 'empty-log',
    hint: `pass the job's ${LOG_FILE} or its Prow URL; a job that has just started may not have written it yet`,
  });
}

export function noNamespaceLineError(where: string, bytes: number): QciError {
  return new QciError(
    `no "${MARKER}" line in ${where}: searched all ${formatBytes(bytes)}`,
    {
      kind: 'no-namespace-line',
      hint: `ci-operator prints "${MARKER} …" when a job starts; pass the job's top-level ${LOG_FILE} (not a step's log), or a job that ran ci-operator`,
    },
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

// ---------------------------------------------------------------------------------------------------
// Freshness

export type FreshnessState = 'running' | 'recent' | 'expired' | 'unknown';

export interface Freshness {
  state: FreshnessState;
  /** ISO time the job finished, from finished.json. */
  finishedAt: string | null;
  ageSeconds: number | null;
  /** SUCCESS, FAILURE, … from finished.json. */
  result: string | null;
  /** One sentence for people. */
  detail: string;
}

/** finished.json's fields that matter (checked by hand: zod's number schema would load at every start-up). */
function finishedFields(
  data: unknown,
): { timestamp: number; result: string | null; passed: boolean | null } | null {
  if (typeof data !== 'object' || data === null) return null;
  const { timestamp, result, passed } = data as Record<string, unknown>;
  if (
    typeof timestamp !== 'number' ||
    !Number.isFinite(timestamp) ||
    timestamp <= 0
  )
    return null;
  return {
    timestamp,
    result: typeof result === 'string' ? result : null,
    passed: typeof passed === 'boolean' ? passed : null,
  };
}

export function formatAge(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48)
    return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

/**
 * Is the namespace probably still there? `finished` is finished.json's text, or null when the job has
 * none (still running). The namespace goes about an hour after the job ends.
 */
export function freshnessOf(finished: string | null, nowMs: number): Freshness {
  if (finished === null) {
    return {
      state: 'running',
      finishedAt: null,
      ageSeconds: null,
      result: null,
      detail:
        'the job is still running (no finished.json yet), so its namespace is there',
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(finished);
  } catch {
    return {
      state: 'unknown',
      finishedAt: null,
      ageSeconds: null,
      result: null,
      detail:
        'finished.json is not JSON, so qci cannot tell when the job ended',
    };
  }
  const fields = finishedFields(data);
  if (!fields) {
    return {
      state: 'unknown',
      finishedAt: null,
      ageSeconds: null,
      result: null,
      detail:
        'finished.json has no timestamp, so qci cannot tell when the job ended',
    };
  }
  const finishedMs = fields.timestamp * 1000;
  const finishedAt = new Date(finishedMs).toISOString().replace('.000Z', 'Z');
  const ageSeconds = Math.max(0, Math.round((nowMs - finishedMs) / 1000));
  const result =
    fields.result ??
    (fields.passed === null ? null : fields.passed ? 'SUCCESS' : 'FAILURE');
  if (ageSeconds > NAMESPACE_LIFETIME_SECONDS) {
    return {
      state: 'expired',
      finishedAt,
      ageSeconds,
      result,
      detail: `the job finished at ${finishedAt} (${formatAge(ageSeconds)} ago); build farms delete a job's namespace about an hour after it ends, so its images are probably gone`,
    };
  }
  const left = NAMESPACE_LIFETIME_SECONDS - ageSeconds;
  return {
    state: 'recent',
    finishedAt,
    ageSeconds,
    result,
    detail: `the job finished at ${finishedAt} (${formatAge(ageSeconds)} ago); its namespace should last about ${formatAge(left)} more`,
  };
}

export function notCheckedFreshness(why: string): Freshness {
  return {
    state: 'unknown',
    finishedAt: null,
    ageSeconds: null,
    result: null,
    detail: why,
  };
}

// ---------------------------------------------------------------------------------------------------
// The answer

export function checkPipelineTag(tag: string): string {
  if (!PIPELINE_TAG.test(tag)) {
    throw usageError(
      `invalid --tag "${tag}": a tag is letters, digits, "_", "." and "-", at most 128, not starting with "." or "-"`,
      {
        kind: 'bad-tag',
        hint: 'pipeline tags: src (the default), bin, root, test-bin, rpms, or an image the job builds',
      },
    );
  }
  return tag;
}

export function checkClusterName(name: string): ClusterRegistry {
  const cluster = clusterNamed(name);
  if (!cluster) {
    throw usageError(`unknown cluster "${name}"`, {
      kind: 'bad-cluster',
      hint: 'run qci registries for the clusters; any buildNN build farm works too',
    });
  }
  return cluster;
}

export interface ReadInfo {
  /** What was read: the URL of the copy that answered, the file path, or "standard input". */
  location: string;
  kind: LogSource['kind'];
  /** The bucket that served the log, when it came from one. */
  bucket: string | null;
  /** The places tried before it, and what each answered. */
  attempts: { label: string; url: string; status: number | string }[];
  bytesRead: number;
}

/** Everything qci job-image knows; `--json` prints it, --pull and --list will start from it. */
export interface JobImage {
  source: string;
  log: ReadInfo;
  job: {
    name: string | null;
    buildId: string | null;
    type: JobType | null;
    repo: string | null;
    pr: number | null;
  } | null;
  line: string;
  loggedAt: string | null;
  namespace: string;
  consoleHost: string | null;
  consoleUrl: string | null;
  cluster: string | null;
  /** Where `cluster` came from. */
  clusterFrom: 'console host' | '--cluster' | null;
  registry: string | null;
  tag: string;
  pullSpec: string | null;
  /** Who can pull, and with what login. */
  access: string | null;
  freshness: Freshness;
  warnings: string[];
}

export function accessNote(cluster: ClusterRegistry): string | null {
  if (!cluster.registry) return null;
  if (cluster.cluster === 'vsphere02')
    return `only vSphere administrators can pull from ${cluster.registry}`;
  return `log in to ${cluster.registry} with a ${cluster.cluster} token (oc registry login, while oc is logged in to ${cluster.cluster}); only the pull request's author may pull`;
}

export function buildJobImage(input: {
  source: LogSource;
  read: ReadInfo;
  line: NamespaceLine;
  tag: string;
  clusterOverride?: string | undefined;
  freshness: Freshness;
}): JobImage {
  const { line, tag } = input;
  const warnings: string[] = [];
  const detected = line.consoleHost
    ? clusterForConsoleHost(line.consoleHost)
    : null;
  let cluster = detected;
  let clusterFrom: JobImage['clusterFrom'] = detected ? 'console host' : null;
  if (input.clusterOverride !== undefined) {
    const given = checkClusterName(input.clusterOverride);
    if (detected && detected.cluster !== given.cluster) {
      warnings.push(
        `the log says the job ran on ${detected.cluster} (${line.consoleHost}), but --cluster says ${given.cluster}; using ${given.cluster}`,
      );
    }
    cluster = given;
    clusterFrom = '--cluster';
  }
  if (cluster && !cluster.registry)
    warnings.push(`${cluster.cluster} has no registry users can pull from`);
  if (cluster?.cluster === 'vsphere02') warnings.push(accessNote(cluster)!);
  if (input.freshness.state === 'expired')
    warnings.push(input.freshness.detail);
  const source = input.source;
  const job =
    source.kind === 'url' && (source.job || source.jobName)
      ? {
          name: source.job?.name ?? source.jobName,
          buildId: source.job?.buildId ?? source.buildId,
          type: source.job?.type ?? null,
          repo: source.job?.repo ?? null,
          pr: source.job?.pr ?? null,
        }
      : null;
  const registry = cluster?.registry ?? null;
  return {
    source: source.input,
    log: input.read,
    job,
    line: line.line,
    loggedAt: line.loggedAt,
    namespace: line.namespace,
    consoleHost: line.consoleHost,
    consoleUrl: line.consoleUrl,
    cluster: cluster?.cluster ?? null,
    clusterFrom,
    registry,
    tag,
    pullSpec: registry ? `${registry}/${line.namespace}/pipeline:${tag}` : null,
    access: cluster ? accessNote(cluster) : null,
    freshness: input.freshness,
    warnings,
  };
}

/** Why there is no pull spec, for the error after the report; null when there is one. */
export function missingPullSpecError(image: JobImage): QciError | null {
  if (image.pullSpec) return null;
  if (image.cluster) {
    return new QciError(
      `${image.cluster} has no registry users can pull from, so there is no pull spec for ${image.namespace}`,
      { kind: 'no-registry' },
    );
  }
  const why = image.consoleHost
    ? `the console host ${image.consoleHost} in the namespace line is not one of a known cluster`
    : 'the namespace line names no console host';
  return new QciError(
    `cluster unknown: ${why}, so qci cannot tell which registry holds ${image.namespace}`,
    {
      kind: 'cluster-unknown',
      exitCode: ExitCode.failure,
      hint:
        `the job's prowjob.json (beside ${LOG_FILE}, or "Job YAML" on its Prow page) names the build farm in spec.cluster; ` +
        `rerun with --cluster NAME (qci registries lists them)`,
    },
  );
}
