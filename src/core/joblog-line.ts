/**
 * The "Using namespace" line ci-operator prints when a job starts (REFERENCE §2), in every log style:
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
