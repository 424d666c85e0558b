/**
 * Where a CI job's log lives (openshift/ci-docs), for every URL form people paste: Prow job pages and live
 * logs, gcsweb, GCS, gs://, a build-log.txt or ci-operator.log URL, a file, stdin. Pure: src/joblog/ reads.
 */
import { usageError } from './errors.js';
import { isLoopbackHost } from './loopback.js';

const DEFAULT_GCS_BASE_URL = 'https://storage.googleapis.com';
const DEFAULT_PROW_BASE_URL = 'https://prow.ci.openshift.org';
const PROW_HOST = 'prow.ci.openshift.org';
const GCSWEB_HOST = 'gcsweb-ci.apps.ci.l2s4.p1.openshiftapps.com';
const GCS_HOST = 'storage.googleapis.com';
/** The browser form of a GCS object (needs a Google login); the same object is read from GCS_HOST. */
const GCS_BROWSER_HOST = 'storage.cloud.google.com';
const PRIVATE_BUCKET = 'test-platform-results';
const PUBLIC_BUCKET = 'test-platform-results-public';
export const LOG_FILE = 'build-log.txt';
/** ci-operator's own log, one JSON object a line, among a job's artifacts (ci-tools cmd/ci-operator/main.go). */
export const CI_OPERATOR_LOG = 'ci-operator.log';
const FINISHED_FILE = 'finished.json';

type UrlForm = 'prow' | 'prow-live-log' | 'gcsweb' | 'gcs' | 'gs' | 'direct';

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
interface JobPath {
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
      /**
       * Read when build-log.txt is in no candidate, or has no Using namespace line: the job's
       * artifacts/ci-operator.log, which logs the same line as JSON (ci-tools cmd/ci-operator/main.go).
       */
      fallbacks?: LogCandidate[];
    };

interface SourceOptions {
  gcsBaseUrl?: string;
  prowBaseUrl?: string;
}

const SOURCE_FORMS =
  'a Prow job URL (https://prow.ci.openshift.org/view/gs/BUCKET/PATH), a gcsweb or storage.googleapis.com URL, ' +
  'gs://BUCKET/PATH, a build-log.txt URL, a local file, or - for standard input';

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

/** The job directory of a log's path: ci-operator.log sits in artifacts/, finished.json beside build-log.txt. */
function jobDirOf(segments: readonly string[]): readonly string[] {
  const dir = segments.slice(0, -1);
  return segments.at(-1) === CI_OPERATOR_LOG && dir.at(-1) === 'artifacts'
    ? dir.slice(0, -1)
    : dir;
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
  if (parsed) return jobSource(input, form, parsed, directory, buckets, opts);
  const file = segments.at(-1);
  if ((file === LOG_FILE || file === CI_OPERATOR_LOG) && !directory) {
    const path = segments.join('/');
    const dir = jobDirOf(segments).join('/');
    const candidates = buckets.map((b) => ({
      label: b,
      bucket: b,
      logUrl: `${gcs}/${b}/${path}`,
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
    `"${input}" is not a Prow job path: expected BUCKET/logs/JOB/ID, BUCKET/pr-logs/pull/ORG_REPO/PR/JOB/ID, BUCKET/pr-logs/pull/batch/JOB/ID or a path ending in /${LOG_FILE} or /${CI_OPERATOR_LOG}`,
    {
      kind: 'bad-source',
      hint: 'copy the URL of the job page from Prow (the page that shows the build log)',
    },
  );
}

/** The candidates for a path in a job's directory: the file named, or for the directory the job's own log. */
function jobSource(
  input: string,
  form: UrlForm,
  { job, rest }: { job: JobPath; rest: string[] },
  directory: boolean,
  buckets: string[],
  opts: Required<SourceOptions>,
): LogSource {
  const gcs = trimBase(opts.gcsBaseUrl);
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
  const fallbacks: LogCandidate[] =
    file === LOG_FILE
      ? buckets.map((b) => ({
          label: `${b} artifacts/${CI_OPERATOR_LOG}`,
          bucket: b,
          logUrl: `${gcs}/${b}/${job.dir}/artifacts/${CI_OPERATOR_LOG}`,
          finishedUrl: `${gcs}/${b}/${job.dir}/${FINISHED_FILE}`,
        }))
      : [];
  return {
    kind: 'url',
    input,
    form,
    job,
    jobName: job.name,
    buildId: job.buildId,
    candidates,
    fallbacks,
  };
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

/** Where to read SOURCE from: stdin, a file, or the URLs to try in order (openshift/ci-docs). Throws a usage error for what qci cannot read. */
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

  const url = parseSourceUrl(input);
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
  return webSource(input, url, opts);
}

function parseSourceUrl(input: string): URL {
  try {
    return new URL(input);
  } catch {
    throw usageError(`"${input}" is not a valid URL`, {
      kind: 'bad-source',
      hint: `expected ${SOURCE_FORMS}`,
    });
  }
}

/**
 * An http(s) SOURCE, by host in this order: GCS (or its stand-in), gcsweb, Prow (or its stand-in), a
 * test server on loopback.
 */
function webSource(
  input: string,
  url: URL,
  opts: Required<SourceOptions>,
): LogSource {
  const host = url.host.toLowerCase();
  // Test servers stand in for GCS and Prow under the same path layout (QCI_GCS_BASE_URL, QCI_PROW_BASE_URL).
  const gcsPath =
    host === GCS_HOST || host === GCS_BROWSER_HOST
      ? url.pathname
      : pathUnder(url, opts.gcsBaseUrl);
  const prowPath =
    host === PROW_HOST ? url.pathname : pathUnder(url, opts.prowBaseUrl);

  if (gcsPath !== null) return gcsSource(input, gcsPath, opts);
  if (host === GCSWEB_HOST) return gcswebSource(input, url, opts);
  if (prowPath !== null) return prowSource(input, url, prowPath, opts);
  if (isLoopbackHost(url.hostname)) return directSource(input, url);
  throw usageError(`unknown host ${url.host} in "${input}"`, {
    kind: 'bad-source',
    hint: `qci reads job logs from ${PROW_HOST}, ${GCSWEB_HOST} and ${GCS_HOST}; expected ${SOURCE_FORMS}`,
  });
}

/** The path of `url` below the base URL `base` (same scheme and host), or null when it is not below it. */
function pathUnder(url: URL, base: string): string | null {
  const b = new URL(trimBase(base));
  if (b.host.toLowerCase() !== url.host.toLowerCase()) return null;
  if (url.protocol !== b.protocol) return null;
  const prefix = b.pathname.replace(/\/+$/, '');
  return url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)
    ? url.pathname.slice(prefix.length) || '/'
    : null;
}

/** storage.googleapis.com/BUCKET/PATH (or the browser's storage.cloud.google.com). */
function gcsSource(
  input: string,
  gcsPath: string,
  opts: Required<SourceOptions>,
): LogSource {
  const { segments, directory } = splitPath(gcsPath);
  const [bucket, ...rest] = segments;
  if (!bucket)
    throw usageError(`"${input}" names no bucket`, {
      kind: 'bad-source',
      hint: `expected ${SOURCE_FORMS}`,
    });
  return bucketSource(input, 'gcs', bucket, rest, directory, opts);
}

function gcswebSource(
  input: string,
  url: URL,
  opts: Required<SourceOptions>,
): LogSource {
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

/** Prow's job page (/view/gs/BUCKET/PATH) or its live log (/log?job=JOB&id=ID). */
function prowSource(
  input: string,
  url: URL,
  prowPath: string,
  opts: Required<SourceOptions>,
): LogSource {
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

/** A test server: read the URL as given, with finished.json beside a build-log.txt. */
function directSource(input: string, url: URL): LogSource {
  const { segments } = splitPath(url.pathname);
  const finished =
    segments.at(-1) === LOG_FILE || segments.at(-1) === CI_OPERATOR_LOG
      ? new URL(
          `${jobDirOf(segments).length < segments.length - 1 ? '../' : ''}${FINISHED_FILE}`,
          url,
        ).href
      : null;
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

/** The hosts a log may be fetched from, redirects included: GCS, Prow and the configured stand-ins. */
export function fetchHosts(options: SourceOptions = {}): string[] {
  const hosts = new Set([GCS_HOST, PROW_HOST]);
  for (const base of [options.gcsBaseUrl, options.prowBaseUrl])
    if (base) hosts.add(new URL(base).host.toLowerCase());
  return [...hosts];
}
