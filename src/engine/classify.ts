import type { Cause } from '../core/causes.js';

/**
 * What a failed podman/docker login or pull means (seen with podman 4.3.1): match on code words, not whole
 * phrases, and never paste the engine's raw output into a message (it may carry a URL with a secret).
 * The causes, their words and exit codes, are core/causes.ts's table.
 */
export type FailureCause = Cause;

const RULES: [FailureCause, RegExp][] = [
  // docker 20-28: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker
  // daemon running?" (or "permission denied while trying to connect to the Docker daemon socket");
  // docker 29: "failed to connect to the docker API at unix:///var/run/docker.sock; check if the path
  // is correct and if the daemon is running"; docker on Windows: "error during connect: This error may
  // indicate that the docker daemon is not running"; podman remote: "Cannot connect to Podman. Please
  // verify your connection…". First: it may say "connection refused" too, and nothing reached a registry.
  [
    'engine-unavailable',
    /Cannot connect to the Docker daemon|connect to the Docker daemon socket|failed to connect to the docker API|error during connect|Cannot connect to Podman/i,
  ],
  ['http-registry', /server gave HTTP response to HTTPS client/i],
  ['tls', /x509:|certificate signed by unknown authority|tls: /i],
  [
    'dns',
    /no such host|server misbehaving|Temporary failure in name resolution/i,
  ],
  ['refused', /connection refused/i],
  ['timeout', /i\/o timeout|context deadline exceeded|TLS handshake timeout/i],
  ['rate-limited', /toomanyrequests|429 Too Many Requests/i],
  ['token-expired', /token expired/i],
  [
    'credentials-rejected',
    /invalid username\/password|unable to retrieve auth token|Existing credentials are invalid/i,
  ],
  [
    'denied',
    /(?<!permission )\bdenied\b|403 \(Forbidden\)|pull access denied/i,
  ],
  // podman 4.3.1: "no image found in image index for architecture s390x" (or "in manifest list");
  // docker 28: "no matching manifest for linux/s390x in the manifest list entries".
  [
    'platform-missing',
    /no image found in (image index|manifest list) for|no matching manifest for/i,
  ],
  [
    'not-found',
    /manifest unknown|name unknown|not found: manifest|manifest for .* not found|repository .* not found/i,
  ],
  ['credentials-missing', /authentication required|unauthorized/i],
  [
    'server-error',
    /received unexpected HTTP status: 5\d\d|50[0-4] (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)/i,
  ],
];

export function classifyEngineFailure(output: string): FailureCause {
  for (const [cause, pattern] of RULES) if (pattern.test(output)) return cause;
  return 'unknown';
}

/** The last "Error: …" line of engine output, trimmed to one line, for --verbose and unknown failures. */
export function engineErrorLine(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  let at = lines.length - 1;
  while (at >= 0 && !/^Error/i.test(lines[at]!)) at--;
  let error = at >= 0 ? lines[at]! : (lines.at(-1) ?? '');
  // "Error: get credentials: 1 error occurred:" says what went wrong on the lines after it, each
  // "* reading JSON file …" (podman's multi-error form).
  if (at >= 0 && error.endsWith(':')) {
    const causes = lines.slice(at + 1).filter((l) => l.startsWith('* '));
    if (causes.length > 0)
      error = `${error} ${causes
        .slice(0, 3)
        .map((c) => c.slice(2))
        .join('; ')}`;
  }
  return error.length > 300 ? `${error.slice(0, 300)}…` : error;
}
