/** Image platforms (os/architecture[/variant]) as OCI indexes list them. Pure. */

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

/** A bare architecture's variant, and the variant that adds nothing to its architecture. */
const ARCHITECTURES: Record<
  string,
  { as: string; variant?: (v: string) => string }
> = {
  i386: { as: '386', variant: () => '' },
  x86_64: { as: 'amd64', variant: (v) => (v === 'v1' ? '' : v) },
  'x86-64': { as: 'amd64', variant: (v) => (v === 'v1' ? '' : v) },
  amd64: { as: 'amd64', variant: (v) => (v === 'v1' ? '' : v) },
  aarch64: { as: 'arm64', variant: arm64Variant },
  arm64: { as: 'arm64', variant: arm64Variant },
  armhf: { as: 'arm', variant: () => 'v7' },
  armel: { as: 'arm', variant: () => 'v6' },
  arm: {
    as: 'arm',
    variant: (v) =>
      v === '' || v === '7' ? 'v7' : /^[568]$/.test(v) ? `v${v}` : v,
  },
};

function arm64Variant(v: string): string {
  if (v === '8' || v === 'v8' || v === 'v8.0') return '';
  return v === '9' || v === '9.0' || v === 'v9.0' ? 'v9' : v;
}

/**
 * A platform under the names OCI indexes use, as the engines read `--platform`: an architecture's
 * other names folded (x86_64 → amd64, aarch64 → arm64, armhf → arm/v7, i386 → 386), and the variant
 * a bare name implies or that adds nothing (arm → arm/v7, arm64/v8 → arm64, amd64/v1 → amd64). The
 * table of containerd's platforms package (database.go, normalizeArch), which docker and
 * containers/image both apply to `--platform linux/x86_64`.
 */
export function normalizePlatform(p: PlatformSpec): PlatformSpec {
  const os = p.os.toLowerCase();
  const given = p.architecture.toLowerCase();
  const known = ARCHITECTURES[given];
  const architecture = known?.as ?? given;
  const variant = (known?.variant ?? ((v) => v))(
    p.variant?.toLowerCase() ?? '',
  );
  return {
    os: os === 'macos' ? 'darwin' : os,
    architecture,
    ...(variant ? { variant } : {}),
  };
}

/** Whether an index entry's platform is the one asked for (both read as normalizePlatform reads them). */
export function platformMatches(
  want: PlatformSpec,
  have: Partial<PlatformSpec> | undefined,
): boolean {
  if (!have?.os || !have.architecture) return false;
  const w = normalizePlatform(want);
  const h = normalizePlatform({
    os: have.os,
    architecture: have.architecture,
    ...(have.variant ? { variant: have.variant } : {}),
  });
  if (h.os !== w.os || h.architecture !== w.architecture) return false;
  // A request without a variant takes any (arm64 images say v8, or nothing).
  return !w.variant || h.variant === w.variant;
}
