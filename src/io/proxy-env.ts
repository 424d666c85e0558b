/**
 * Which proxy a request goes through: HTTPS_PROXY / HTTP_PROXY / NO_PROXY with the rules of Go's
 * golang.org/x/net/http/httpproxy, which podman and skopeo use, so qci goes where the engine would.
 * Pure: the environment comes in as an argument.
 *
 * - https URLs use HTTPS_PROXY (or https_proxy), http URLs HTTP_PROXY (or http_proxy); the upper-case name wins.
 * - localhost and loopback addresses never go through a proxy.
 * - NO_PROXY: comma-separated; `*` disables proxying; `example.com` matches it and its subdomains,
 *   `.example.com` (or `*.example.com`) only subdomains; `host:port` only that port; an IP or a CIDR
 *   block matches addresses (not names).
 * - A proxy URL without a scheme means http://.
 */
import { BlockList, isIP } from 'node:net';
import { usageError } from '../core/errors.js';
import { isLoopbackHost } from '../core/loopback.js';

function envValue(
  env: Record<string, string | undefined>,
  name: string,
): string {
  return env[name.toUpperCase()] || env[name.toLowerCase()] || '';
}

/** [host without brackets, lowercased; port ('' when absent)] */
function splitHostPort(hostport: string): [string, string] {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostport);
  if (v6) return [v6[1]!.toLowerCase(), v6[2] ?? ''];
  const colons = hostport.split(':').length - 1;
  if (colons === 1) {
    const [h, p] = hostport.split(':');
    return [h!.toLowerCase(), p ?? ''];
  }
  return [hostport.toLowerCase(), ''];
}

/** Whether NO_PROXY says to go direct to `host` (no brackets) on `port`. */
export function bypassesProxy(
  host: string,
  port: string,
  noProxy: string,
): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const hostFamily = isIP(h);
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    // CIDR block: matches addresses only.
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    if (cidr) {
      const family = isIP(cidr[1]!);
      if (family === 0 || hostFamily !== family) continue;
      const list = new BlockList();
      try {
        list.addSubnet(
          cidr[1]!,
          Number(cidr[2]),
          family === 4 ? 'ipv4' : 'ipv6',
        );
      } catch {
        continue;
      }
      if (list.check(h, family === 4 ? 'ipv4' : 'ipv6')) return true;
      continue;
    }
    let [entryHost, entryPort] = splitHostPort(entry);
    if (isIP(entryHost)) {
      if (entryHost === h && (entryPort === '' || entryPort === port))
        return true;
      continue;
    }
    if (entryHost.startsWith('*.')) entryHost = entryHost.slice(1);
    const matchHost = !entryHost.startsWith('.');
    const suffix = matchHost ? `.${entryHost}` : entryHost;
    if (
      (h.endsWith(suffix) || (matchHost && h === entryHost)) &&
      (entryPort === '' || entryPort === port)
    )
      return true;
  }
  return false;
}

export interface ProxyChoice {
  /** The proxy to use, or null to connect directly. */
  proxy: URL | null;
  /** Which variable decided, for --verbose and error messages. */
  reason: string;
}

/** The proxy for `url` under `env`, as podman would choose it. */
export function proxyFor(
  url: URL,
  env: Record<string, string | undefined>,
): ProxyChoice {
  const [host] = splitHostPort(url.host);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const variable = url.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  const value = envValue(env, variable).trim();
  if (value === '') return { proxy: null, reason: `no ${variable}` };
  if (isLoopbackHost(host))
    return { proxy: null, reason: `${host} is a loopback address` };
  if (bypassesProxy(host, port, envValue(env, 'NO_PROXY')))
    return { proxy: null, reason: `NO_PROXY matches ${host}` };
  let proxy: URL;
  try {
    proxy = new URL(
      /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`,
    );
  } catch {
    // Not the value: a proxy URL may carry a password.
    throw usageError(`${variable} is not a URL (expected http://HOST:PORT)`, {
      kind: 'bad-proxy',
    });
  }
  if (proxy.protocol !== 'http:')
    throw usageError(
      `${variable} uses ${proxy.protocol.replace(/:$/, '')}://; qci speaks to http:// proxies only`,
      { kind: 'bad-proxy' },
    );
  return { proxy, reason: variable };
}
