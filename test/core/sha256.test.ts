import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/sha256.js';

const nodeSha256 = (text: string) =>
  createHash('sha256').update(text).digest('hex');

describe('sha256Hex: the facts cache key, without node:crypto', () => {
  it('gives the FIPS 180-4 test vectors', () => {
    expect(sha256Hex('')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(
      sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    ).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('agrees with node:crypto at every length across the block boundaries (0 to 300 bytes)', () => {
    for (let n = 0; n <= 300; n++) {
      const text = 'sha256~'.concat('x'.repeat(n)).slice(0, n);
      expect(sha256Hex(text), `length ${n}`).toBe(nodeSha256(text));
    }
  });

  it('agrees with node:crypto on generated text: tokens, any Unicode, long', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ unit: 'grapheme', maxLength: 100 }),
          fc.string({ minLength: 1000, maxLength: 5000 }),
        ),
        (text) => {
          expect(sha256Hex(`qci facts v1\0${text}`)).toBe(
            nodeSha256(`qci facts v1\0${text}`),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
