/**
 * One rule for "this host is this machine": `localhost`, any address in 127.0.0.0/8, and IPv6's ::1
 * (written short or in full). Used where qci relaxes a rule for loopback only: no proxy for it, plain
 * http for a job log served by a test, a build farm's registry stood in for by a test registry.
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_ONE = /^0{0,4}(?::0{0,4}){6}:0{0,3}1$/;

/** `host` without a port; IPv6 with or without brackets; any letter case. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  const v4 = IPV4.exec(h);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255) && v4[1] === '127';
  return h === '::1' || IPV6_ONE.test(h);
}

/** A `host:port` whose host is loopback and whose port is 1–65535 (IPv6 in brackets: `[::1]:5000`). */
export function isLoopbackHostPort(hostport: string): boolean {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(hostport);
  if (!m) return false;
  const port = Number(m[2]);
  return port >= 1 && port <= 65_535 && isLoopbackHost(m[1]!);
}
