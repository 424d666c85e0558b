import { describe, expect, it } from 'vitest';
import {
  normalizePlatform,
  platformMatches,
  type PlatformSpec,
} from '../../src/core/platform.js';

const spec = (text: string): PlatformSpec => {
  const [os = '', architecture = '', variant] = text.split('/');
  return { os, architecture, ...(variant ? { variant } : {}) };
};
const text = (p: PlatformSpec) =>
  [p.os, p.architecture, p.variant].filter(Boolean).join('/');

describe('normalizePlatform: the names OCI indexes use, as the engines read --platform', () => {
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['Linux/AMD64', 'linux/amd64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/aarch64/9', 'linux/arm64/v9'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/6', 'linux/arm/v6'],
    ['linux/i386', 'linux/386'],
    ['linux/ppc64le', 'linux/ppc64le'],
    ['linux/s390x', 'linux/s390x'],
    ['macos/arm64', 'darwin/arm64'],
  ])('%s → %s', (given, canonical) =>
    expect(text(normalizePlatform(spec(given)))).toBe(canonical),
  );
});

describe('platformMatches: an index entry for the platform asked', () => {
  it.each([
    ['linux/amd64', 'linux/amd64', true],
    ['linux/x86_64', 'linux/amd64', true],
    ['linux/aarch64', 'linux/arm64/v8', true],
    ['linux/arm64', 'linux/arm64/v8', true],
    ['linux/arm64/v8', 'linux/arm64', true],
    ['linux/arm64', 'linux/amd64', false],
    ['linux/amd64', 'windows/amd64', false],
    ['linux/arm/v7', 'linux/arm', true],
    ['linux/arm/v6', 'linux/arm/v7', false],
    ['linux/amd64', 'linux', false],
  ])('%s against an entry %s: %s', (want, have, matches) =>
    expect(platformMatches(spec(want), spec(have))).toBe(matches),
  );

  it('an entry without a platform matches nothing', () =>
    expect(platformMatches(spec('linux/amd64'), undefined)).toBe(false));
});
