import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/core/bytes.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1023 bytes'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [2047, '2.0 KiB'],
    [10_500, '10 KiB'],
    [65_536, '64 KiB'],
    [1024 * 1024 - 1, '1.0 MiB'],
    [512 * 1024 ** 2, '512 MiB'],
    [123_456_789, '118 MiB'],
    [2.5 * 1024 ** 3, '2.5 GiB'],
    [5 * 1024 ** 4, '5 TiB'],
    [3 * 1024 ** 5, '3072 TiB'],
  ])('formatBytes(%i) = %s', (bytes, text) =>
    expect(formatBytes(bytes)).toBe(text),
  );
});
