import { describe, expect, it } from 'vitest';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  rmSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.js';
import {
  cachedEngineVersion,
  engineVersionFile,
} from '../../src/session/engine-version-cache.js';

/** A home, a "podman" binary in it, and an asker that counts how often podman would really run. */
function bed() {
  const home = tempDir('qci-engine-version-');
  const where = { home, env: {} as Record<string, string | undefined> };
  // qci's cache directory, as the facts cache leaves it after a first proof
  mkdirSync(join(home, '.cache', 'qci'), { recursive: true, mode: 0o700 });
  const binary = join(home, 'podman');
  writeFileSync(binary, '#!/bin/sh\necho podman version 4.3.1\n');
  chmodSync(binary, 0o755);
  let asked = 0;
  let answer: string | undefined = '4.3.1';
  const ask = async () => {
    asked += 1;
    return answer;
  };
  return {
    where,
    binary,
    version: () => cachedEngineVersion(where, binary, ask),
    asked: () => asked,
    answer: (v: string | undefined) => {
      answer = v;
    },
  };
}

describe('podman --version, remembered per binary', () => {
  it('asks once, then answers from the cache (0600) for the same binary', async () => {
    const b = bed();
    expect(await b.version()).toBe('4.3.1');
    expect(await b.version()).toBe('4.3.1');
    expect(b.asked()).toBe(1);
    expect(statSync(engineVersionFile(b.where)).mode & 0o777).toBe(0o600);
  });

  it.each([
    [
      'rewritten in place (an upgrade)',
      (f: string) => writeFileSync(f, '#!/bin/sh\necho podman version 5.2.1\n'),
    ],
    [
      'replaced by another file (a reinstall)',
      (f: string) => {
        writeFileSync(`${f}.new`, readFileSync(f));
        renameSync(`${f}.new`, f);
      },
    ],
    ['touched', (f: string) => utimesSync(f, new Date(), new Date(0))],
  ])('asks again when the binary is %s', async (_, change) => {
    const b = bed();
    await b.version();
    change(b.binary);
    b.answer('5.2.1');
    expect(await b.version()).toBe('5.2.1');
    expect(b.asked()).toBe(2);
  });

  it('keeps no answer it did not get, and asks when the cache is damaged', async () => {
    const b = bed();
    b.answer(undefined);
    expect(await b.version()).toBeUndefined();
    b.answer('4.3.1');
    expect(await b.version()).toBe('4.3.1');
    expect(b.asked()).toBe(2);
    let expected = 2;
    for (const damage of ['{', '{"entries":{"x":"4.3.1; rm -rf"}}', 'null']) {
      writeFileSync(engineVersionFile(b.where), damage);
      expect(await b.version()).toBe('4.3.1');
      expected += 1;
      expect(b.asked()).toBe(expected);
    }
  });

  it('a binary that cannot be stat’ed is asked every time', async () => {
    const b = bed();
    const missing = join(b.where.home, 'nosuch');
    let asked = 0;
    const ask = async () => {
      asked += 1;
      return '4.3.1';
    };
    await cachedEngineVersion(b.where, missing, ask);
    await cachedEngineVersion(b.where, missing, ask);
    expect(asked).toBe(2);
  });

  it('writes nothing in a home where qci keeps no cache yet (a first command that fails leaves no trace)', async () => {
    const b = bed();
    rmSync(join(b.where.home, '.cache'), { recursive: true });
    await b.version();
    await b.version();
    expect(b.asked()).toBe(2);
    expect(existsSync(join(b.where.home, '.cache'))).toBe(false);
  });
});
