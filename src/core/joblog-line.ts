/**
 * The "Using namespace" line ci-operator prints when a job starts (ci-tools cmd/ci-operator/main.go), in every log style:
 * Go log, logrus, ANSI colour, and the JSON lines of ci-operator.log.
 */

export const MARKER = 'Using namespace';
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

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

function stripAnsi(text: string): string {
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

/** A line that has the marker but no usable namespace: what it says, and what is wrong with it. */
export interface RejectedLine {
  line: string;
  problem: string;
}

export type LineVerdict =
  | { found: NamespaceLine }
  | { rejected: RejectedLine }
  | null;

/** ci-operator.log writes one JSON object a line: `{"level":"info","msg":"Using namespace …","time":"…"}`. */
function jsonMessage(
  line: string,
): { msg: string; time: string | null } | null {
  if (!line.startsWith('{')) return null;
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const { msg, time } = data as Record<string, unknown>;
  if (typeof msg !== 'string') return null;
  return { msg, time: typeof time === 'string' ? time : null };
}

/**
 * What follows the marker, ending where a reader sees it end: at blanks; at the quotes that close a
 * msg="…" or a JSON string; at the backtick, parenthesis or `>` that close a line quoted in Markdown or
 * prose (none of them can be in a namespace or a console URL). A `<…>` placeholder is kept whole, so
 * the rejection names it as written.
 */
const TARGET = /Using namespace ((?:[^\s"'\\`()<>]|<[^\s"'\\`()<>]*>?)+)/;

/** The target without the sentence's closing punctuation, or the `<…>` of a Markdown autolink. */
function readerTarget(word: string): string {
  const ended = word.replace(/[.,;:]$/, '');
  return /^<(https?:\/\/[^<>]+)>$/i.exec(ended)?.[1] ?? ended;
}

/** Why `ns` is not a namespace ci-operator could have made, or null. */
function namespaceNameProblem(ns: string): string {
  const placeholder = /X{4,}|x{8,}|<|>|\.\.\.|\u2026|\*/.test(ns)
    ? ' (it looks like a placeholder from documentation, not a real job)'
    : '';
  if (/[A-Z]/.test(ns))
    return `"${ns}" has upper-case letters; namespaces are lower case${placeholder}`;
  if (ns.length > 63)
    return `"${ns}" is ${ns.length} characters; a namespace is at most 63`;
  return `"${ns}" is not a namespace name (a-z, 0-9 and "-", starting and ending with a letter or digit)${placeholder}`;
}

/**
 * ci-operator's `Using namespace https://<console-host>/k8s/cluster/projects/<ns>` (or `Using namespace <ns>`
 * when it does not know the console), in any of its log styles. A line with the marker whose namespace
 * is not valid is rejected with the reason; null for any other line.
 */
export function judgeNamespaceLine(raw: string): LineVerdict {
  const clean = stripAnsi(raw);
  // A carriage return inside a line is a terminal overwrite (progress output): keep the part with the marker.
  const line = clean
    .split('\r')
    .find((part) => part.includes(MARKER))
    ?.trim();
  if (!line) return null;
  const json = jsonMessage(line);
  const text = json?.msg ?? line;
  const match = TARGET.exec(text);
  if (!match) return null;
  const target = readerTarget(match[1]!);
  const at = json ? json.time : loggedAt(text.slice(0, match.index));
  const reject = (problem: string): LineVerdict => ({
    rejected: { line, problem },
  });
  if (/^https?:\/\//i.test(target)) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return reject(`"${target}" is not a valid URL`);
    }
    // The path as written: a URL parser would fold "projects/ci-op-x/../../etc" into projects/etc.
    const path = target.replace(/^https?:\/\/[^/?#]*/i, '').split(/[?#]/)[0]!;
    if (path.split('/').some((segment) => segment === '.' || segment === '..'))
      return reject(
        `the console URL ${target} has "." or ".." path segments; ci-operator writes none`,
      );
    const ns = /\/k8s\/(?:cluster\/projects|ns)\/([^/?#]+)/.exec(path)?.[1];
    if (!ns)
      return reject(
        `the console URL ${url.href} has no /k8s/cluster/projects/NAMESPACE path`,
      );
    let name = ns;
    try {
      name = decodeURIComponent(ns);
    } catch {
      // Not percent-encoding after all: judged as written.
    }
    if (!DNS_LABEL.test(name)) return reject(namespaceNameProblem(name));
    return {
      found: {
        line,
        namespace: name,
        consoleHost: url.host.toLowerCase(),
        consoleUrl: url.href,
        loggedAt: at,
      },
    };
  }
  if (!DNS_LABEL.test(target)) return reject(namespaceNameProblem(target));
  return {
    found: {
      line,
      namespace: target,
      consoleHost: null,
      consoleUrl: null,
      loggedAt: at,
    },
  };
}

/** The namespace line in `raw`, or null (rejected lines included). */
export function parseNamespaceLine(raw: string): NamespaceLine | null {
  const verdict = judgeNamespaceLine(raw);
  return verdict && 'found' in verdict ? verdict.found : null;
}
