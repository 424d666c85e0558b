import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/core/duration.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [3_600, '1h'],
    [86_400, '24h'],
    [47 * 3_600 + 59 * 60 + 59, '47h59m59s'],
    [2 * 86_400, '2d'],
    [604_800, '7d'],
    [2 * 86_400 + 3_661, '2d1h1m1s'],
  ])('formatDuration(%i) = %s', (s, text) =>
    expect(formatDuration(s)).toBe(text),
  );

  it.each([
    [0, 'under 1m'],
    [59, 'under 1m'],
    [60, '1m'],
    [119, '1m'],
    [3_000, '50m'],
    [10_805, '3h'],
    [11_100, '3h5m'],
    [47 * 3_600 + 59 * 60, '47h59m'],
    [2 * 86_400 + 3_661, '2d1h'],
    [2 * 86_400 + 61, '2d'],
    [400 * 86_400, '400d'],
  ])('formatDuration(%i, approximate) = %s', (s, text) =>
    expect(formatDuration(s, { approximate: true })).toBe(text),
  );
});
