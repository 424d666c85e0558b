/**
 * qci pull-secret from start to end: what the destination would refuse is checked first (a file that is
 * no pull secret, app.ci's own cluster), then the token is proved or minted, then the pull secret goes
 * where it was sent: a new file, an existing one, a cluster, or back to the caller for stdout.
 */
import { pullSecretHosts } from '../core/pull-secret.js';
import {
  applyPullSecret,
  connectTarget,
  type ApplyOutcome,
  type ApplyTarget,
} from './pull-secret-apply.js';
import {
  checkFileDestination,
  makePullSecret,
  mergePullSecretFile,
  writePullSecretFile,
  type FileOutcome,
  type PullSecret,
  type PullSecretRequest,
} from './pull-secret.js';
import type { AuthSetup } from './setup.js';

/** Where a pull secret goes: a new file, an existing one, stdout (the caller writes it), a cluster. */
export type Destination =
  | { kind: 'file'; path: string }
  | { kind: 'merge'; path: string }
  | { kind: 'stdout' }
  | { kind: 'apply'; target: ApplyTarget };

export interface PullSecretRun {
  secret: PullSecret;
  written: FileOutcome | ApplyOutcome | null;
}

/**
 * qci pull-secret: what the destination would refuse is checked first (a file that is no pull secret,
 * app.ci's own cluster), then the token is proved or minted, then the secret goes where it was sent.
 */
export async function producePullSecret(
  setup: AuthSetup,
  request: PullSecretRequest,
  destination: Destination,
  options: { dryRun: boolean },
): Promise<PullSecretRun> {
  const hosts = pullSecretHosts(
    setup.settings.registry,
    request.withAppCiRegistry,
  );
  if (destination.kind === 'file' || destination.kind === 'merge')
    await checkFileDestination(destination.kind, destination.path, hosts);
  // The target cluster is found (and app.ci's own refused) before a token is minted for it.
  const cluster =
    destination.kind === 'apply'
      ? await connectTarget(setup, destination.target)
      : undefined;
  const secret = await makePullSecret(setup, request);
  const { dryRun } = options;
  switch (destination.kind) {
    case 'file':
      return {
        secret,
        written: await writePullSecretFile(destination.path, secret),
      };
    case 'merge':
      return {
        secret,
        written: await mergePullSecretFile(destination.path, secret, {
          dryRun,
        }),
      };
    case 'apply':
      return {
        secret,
        written: cluster
          ? await applyPullSecret(cluster, destination.target, secret, {
              dryRun,
            })
          : null,
      };
    default:
      return { secret, written: null };
  }
}
