/** Image platforms (os/architecture[/variant]) as OCI indexes list them. Pure. */

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

/** Whether an index entry's platform is the one asked for. */
export function platformMatches(
  want: PlatformSpec,
  have: Partial<PlatformSpec> | undefined,
): boolean {
  if (!have || have.os !== want.os || have.architecture !== want.architecture)
    return false;
  // arm64 images often say variant v8 or nothing: a request without a variant takes either.
  return (
    !want.variant ||
    have.variant === want.variant ||
    (!have.variant && want.architecture === 'arm64' && want.variant === 'v8')
  );
}
