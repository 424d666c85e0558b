import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyFor } from '../../src/io/proxy-env.js';

describe('NO_PROXY, as Go (and so podman) reads it', () => {
  // host, port, NO_PROXY, bypass?
  const cases: [string, string, string, boolean][] = [
    ['quay-proxy.ci.openshift.org', '443', '', false],
    ['quay-proxy.ci.openshift.org', '443', '*', true],
    ['quay-proxy.ci.openshift.org', '443', 'openshift.org', true],
    ['openshift.org', '443', 'openshift.org', true],
    ['quay-proxy.ci.openshift.org', '443', '.openshift.org', true],
    ['openshift.org', '443', '.openshift.org', false],
    ['quay-proxy.ci.openshift.org', '443', '*.openshift.org', true],
    ['notopenshift.org', '443', 'openshift.org', false],
    [
      'quay-proxy.ci.openshift.org',
      '443',
      'example.com, quay-proxy.ci.openshift.org',
      true,
    ],
    [
      'quay-proxy.ci.openshift.org',
      '443',
      'quay-proxy.ci.openshift.org:8443',
      false,
    ],
    [
      'quay-proxy.ci.openshift.org',
      '8443',
      'quay-proxy.ci.openshift.org:8443',
      true,
    ],
    ['QUAY-PROXY.ci.openshift.org', '443', 'Quay-Proxy.CI.openshift.org', true],
    ['10.1.2.3', '443', '10.0.0.0/8', true],
    ['11.1.2.3', '443', '10.0.0.0/8', false],
    ['10.1.2.3', '443', '10.1.2.3', true],
    ['10.1.2.3', '5000', '10.1.2.3:443', false],
    ['fd00::1', '443', 'fd00::/8', true],
    ['registry.local', '443', '10.0.0.0/8', false],
  ];
  it.each(cases)(
    '%s:%s with NO_PROXY=%j → bypass %s',
    (host, port, noProxy, bypass) =>
      expect(bypassesProxy(host, port, noProxy)).toBe(bypass),
  );
});

describe('proxyFor', () => {
  const url = (u: string) => new URL(u);
  it('https uses HTTPS_PROXY, http uses HTTP_PROXY; upper case wins; no scheme means http', () => {
    expect(
      proxyFor(url('https://quay-proxy.ci.openshift.org/v2/'), {
        HTTPS_PROXY: 'http://proxy:3128',
      }).proxy?.host,
    ).toBe('proxy:3128');
    expect(
      proxyFor(url('https://quay-proxy.ci.openshift.org/v2/'), {
        https_proxy: 'proxy:8080',
      }).proxy?.toString(),
    ).toBe('http://proxy:8080/');
    expect(
      proxyFor(url('https://q.example/v2/'), {
        HTTPS_PROXY: 'http://upper:1',
        https_proxy: 'http://lower:2',
      }).proxy?.host,
    ).toBe('upper:1');
    expect(
      proxyFor(url('https://q.example/v2/'), { HTTP_PROXY: 'http://p:1' })
        .proxy,
    ).toBeNull();
    expect(
      proxyFor(url('http://q.example/v2/'), { HTTP_PROXY: 'http://p:1' }).proxy
        ?.host,
    ).toBe('p:1');
  });
  it('never for loopback or localhost, and not for NO_PROXY matches', () => {
    const env = { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.ci.openshift.org' };
    expect(proxyFor(url('https://127.0.0.1:5000/v2/'), env).proxy).toBeNull();
    expect(proxyFor(url('https://localhost:5000/v2/'), env).proxy).toBeNull();
    expect(proxyFor(url('https://[::1]:5000/v2/'), env).proxy).toBeNull();
    expect(
      proxyFor(url('https://quay-proxy.ci.openshift.org/v2/'), env),
    ).toMatchObject({
      proxy: null,
      reason: 'NO_PROXY matches quay-proxy.ci.openshift.org',
    });
    expect(proxyFor(url('https://quay.io/v2/'), env).proxy?.host).toBe('p:1');
  });
  it('a bad proxy URL is a usage error that does not echo it (it may hold a password)', () => {
    expect(() =>
      proxyFor(url('https://q.example/'), {
        HTTPS_PROXY: 'http://user:secret@[bad',
      }),
    ).toThrow(/HTTPS_PROXY is not a URL/);
    try {
      proxyFor(url('https://q.example/'), {
        HTTPS_PROXY: 'http://user:secret@[bad',
      });
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
    expect(() =>
      proxyFor(url('https://q.example/'), { HTTPS_PROXY: 'socks5://p:1080' }),
    ).toThrow(/http:\/\/ proxies only/);
  });
});
