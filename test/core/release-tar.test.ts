/** The streaming tar reader: finds one file fed in chunks of any size, past long names and big entries. */
import { describe, expect, it } from 'vitest';
import { TarScanner } from '../../src/core/tar.js';

function header(name: string, size: number, type = '0', prefix = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}
const pad = (data: Buffer) =>
  Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const entry = (
  name: string,
  data: Buffer | string,
  type = '0',
  prefix = '',
) => {
  const body = Buffer.from(data);
  return Buffer.concat([header(name, body.length, type, prefix), pad(body)]);
};
const pax = (path: string) => {
  const record = (len: number) => `${len} path=${path}\n`;
  let len = record(0).length;
  while (record(len).length !== len) len = record(len).length;
  return entry('PaxHeaders/x', record(len), 'x');
};
const END = Buffer.alloc(1024);
const WANT = 'release-manifests/image-references';
const CONTENT = '{"kind":"ImageStream"}';

function scan(archive: Buffer, chunk: number, maxBytes = 1 << 20) {
  const scanner = new TarScanner({ wanted: (p) => p === WANT, maxBytes });
  for (let at = 0; at < archive.length; at += chunk) {
    const r = scanner.push(archive.subarray(at, at + chunk));
    if (r.state !== 'more') return r;
  }
  return { state: 'more' as const };
}

describe('finding release-manifests/image-references in a tar stream', () => {
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
  const archives: [string, Buffer][] = [
    ['a plain entry', Buffer.concat([entry(WANT, CONTENT), END])],
    [
      'after a 3 MiB entry',
      Buffer.concat([entry('usr/big', big), entry(WANT, CONTENT), END]),
    ],
    [
      'written ./release-manifests/…',
      Buffer.concat([entry(`./${WANT}`, CONTENT), END]),
    ],
    [
      'after a directory entry',
      Buffer.concat([
        entry('release-manifests/', '', '5'),
        entry(WANT, CONTENT),
      ]),
    ],
    [
      'named by a PAX path record',
      Buffer.concat([pax(WANT), entry('x', CONTENT), END]),
    ],
    [
      'named by a GNU long name',
      Buffer.concat([
        entry('././@LongLink', `${WANT}\0`, 'L'),
        entry('y', CONTENT),
        END,
      ]),
    ],
    [
      'split into ustar prefix and name',
      Buffer.concat([
        entry('image-references', CONTENT, '0', 'release-manifests'),
        END,
      ]),
    ],
  ];
  for (const chunk of [1, 511, 512, 4096, 65536])
    it.each(archives)(`%s, fed ${chunk} bytes at a time`, (_, archive) => {
      const r = scan(archive, chunk);
      expect(r.state).toBe('found');
      expect(r.state === 'found' && r.data.toString()).toBe(CONTENT);
    });

  it('ends without it at the end-of-archive blocks', () => {
    expect(scan(Buffer.concat([entry('a', 'x'), END]), 100).state).toBe('end');
  });
  it('says more when the stream stops early', () => {
    expect(scan(entry('a', 'xxxx').subarray(0, 600), 100).state).toBe('more');
  });
  it('refuses a wanted file over the cap before reading it', () => {
    const r = scan(
      Buffer.concat([entry(WANT, 'x'.repeat(2000)), END]),
      512,
      1000,
    );
    expect(r).toMatchObject({
      state: 'error',
      reason: expect.stringMatching(/2000 bytes/),
    });
  });
  it('refuses what is not tar', () => {
    const r = scan(Buffer.alloc(1024, 0x41), 512);
    expect(r).toMatchObject({
      state: 'error',
      reason: expect.stringMatching(/checksum/),
    });
  });
});
