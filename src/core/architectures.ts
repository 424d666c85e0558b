/**
 * The release controllers' architectures (ci-tools pkg/release/candidate): `--arch` takes one. Apart from
 * src/core/release.ts so that the flag's choices cost start-up nothing more.
 */
export const ARCHITECTURES = [
  'amd64',
  'arm64',
  'multi',
  'ppc64le',
  's390x',
] as const;
export type Architecture = (typeof ARCHITECTURES)[number];
