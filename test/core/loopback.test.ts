import { BlockList, isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, isLoopbackHostPort } from '../../src/core/loopback.js';

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['127.255.255.255', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['0000:0000:0000:0000:0000:0000:0000:0001', true],
    ['[0:0:0:0:0:0:0:1]', true],
    ['127.0.0.256', false],
    ['127.999.1.1', false],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['::2', false],
    ['1:0:0:0:0:0:0:1', false],
    ['127.0.0.1.example.com', false],
    ['localhost.example.com', false],
    ['evil-localhost', false],
    ['', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it("agrees with Node's own address parsing on 2,000 random IPv4 and IPv6 addresses", () => {
    const loopback = new BlockList();
    loopback.addSubnet('127.0.0.0', 8, 'ipv4');
    loopback.addAddress('::1', 'ipv6');
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 1000; i++) {
      // Half of them in 127/8, so both answers are exercised.
      const first = rand(2) === 0 ? 127 : rand(256);
      const v4 = [first, rand(256), rand(256), rand(256)].join('.');
      expect(isLoopbackHost(v4), v4).toBe(loopback.check(v4, 'ipv4'));
      const groups = Array.from({ length: 8 }, () =>
        rand(4) === 0 ? rand(65536).toString(16) : '0'.repeat(rand(5)),
      );
      if (rand(2) === 0) groups[7] = `${'0'.repeat(rand(4))}1`;
      const v6 = groups.map((g) => g || '0').join(':');
      expect(isIP(v6)).toBe(6);
      expect(isLoopbackHost(v6), v6).toBe(loopback.check(v6, 'ipv6'));
    }
  });

  it("takes a URL's hostname as the URL parser leaves it (other IPv4 spellings become dotted quads)", () => {
    for (const url of [
      'http://0x7f.1/',
      'http://2130706433/',
      'http://[::1]:8080/',
    ])
      expect(isLoopbackHost(new URL(url).hostname), url).toBe(true);
    expect(isLoopbackHost(new URL('http://0x7e.1/').hostname)).toBe(false);
  });
});

describe('isLoopbackHostPort', () => {
  it.each([
    ['127.0.0.1:5000', true],
    ['localhost:1', true],
    ['[::1]:65535', true],
    ['127.0.0.1:0', false],
    ['127.0.0.1:65536', false],
    ['127.0.0.1', false],
    ['::1:5000', false],
    ['127.0.0.1:5000/x', false],
    ['example.com:5000', false],
    ['127.0.0.1:50a0', false],
  ])('%s → %s', (hostport, expected) => {
    expect(isLoopbackHostPort(hostport)).toBe(expected);
  });
});
