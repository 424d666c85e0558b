import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MAX_BYTES,
  readFileSafe,
  readFileSafeSync,
  type SafeReadOptions,
} from '../../src/io/read.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('qci-read-');
const file = (name: string, bytes: number) => {
  const path = join(dir, name);
  writeFileSync(path, 'x'.repeat(bytes));
  return path;
};
const readers: [
  string,
  (path: string, options: SafeReadOptions) => Promise<string> | string,
][] = [
  ['readFileSafe', readFileSafe],
  ['readFileSafeSync', readFileSafeSync],
];

describe('the read caps', () => {
  it('each kind of file has its cap', () => {
    expect(MAX_BYTES).toEqual({
      authFile: 4 * 1024 * 1024,
      kubeconfig: 16 * 1024 * 1024,
      config: 1024 * 1024,
      token: 64 * 1024,
    });
  });

  describe.each(readers)('%s', (_name, read) => {
    const options = { maxBytes: 100, what: 'auth file' };
    it('reads a file of exactly the cap', async () => {
      expect(await read(file('at-cap', 100), options)).toBe('x'.repeat(100));
    });
    it('refuses a file one byte over the cap, naming the file and the cap', async () => {
      const path = file('over-cap', 101);
      await expect(async () => read(path, options)).rejects.toThrow(
        `auth file ${path} is larger than 100 bytes; qci does not read it`,
      );
    });
    // /proc files say size 0: the cap must hold while reading, not only on the size fstat gives.
    it('refuses a file that says it is empty but is larger than the cap', async () => {
      await expect(async () =>
        read('/proc/self/status', { maxBytes: 10, what: 'token file' }),
      ).rejects.toThrow(
        /token file \/proc\/self\/status is larger than 10 bytes/,
      );
    });
    it('refuses a FIFO at once instead of waiting for a writer', async () => {
      const fifo = join(dir, `fifo-${_name}`);
      execFileSync('mkfifo', [fifo]);
      await expect(async () => read(fifo, options)).rejects.toThrow(
        /is a FIFO, not a regular file/,
      );
    });
  });
});
