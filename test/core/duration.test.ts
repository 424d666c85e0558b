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

  // The unit boundaries of a token's expiry in a sentence (describeExpiry: "expires in 12 days").
  it.each([
    [0, '0 seconds'],
    [1, '1 second'],
    [-1, '1 second'],
    [119, '119 seconds'],
    [120, '2 minutes'],
    [5_400, '90 minutes'],
    [2 * 3_600 - 1, '119 minutes'],
    [2 * 3_600, '2 hours'],
    [2 * 86_400 - 1, '47 hours'],
    [2 * 86_400, '2 days'],
    [12 * 86_400 + 5, '12 days'],
    [-3 * 86_400, '3 days'],
  ])('formatDuration(%i, words) = %s', (s, text) =>
    expect(formatDuration(s, { words: true })).toBe(text),
  );
});
