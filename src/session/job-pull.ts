/**
 * qci job-image --pull / --list: a job's images live on the build farm that ran it, so they are pulled
 * with that cluster's own kube context and token (as `oc registry login` does), not with QCI's.
 */
import { CAUSES } from '../core/causes.js';
import { QciError } from '../core/errors.js';
import { isLoopbackHostPort } from '../core/loopback.js';
import type { JobImage } from '../core/joblog-image.js';
import { classifyEngineFailure, engineErrorLine } from '../engine/classify.js';
import { buildLoginArgs, buildPullArgs, findEngine } from '../engine/engine.js';
import type { AppCi } from '../kube/appci.js';
import { findClusterContext, loadKubeconfig } from '../kube/kubeconfig.js';
import { versionForFiles, type AuthSetup } from './setup.js';
import { refuseHostileEngineFiles } from './engine-files.js';
import { dockerImageId } from './pull-steps.js';

export interface FarmTarget {
  cluster: string;
  namespace: string;
  tag: string;
  /** The registry to talk to (the cluster's, or a stand-in in tests). */
  registry: string;
  pullSpec: string;
}

/** The stand-in registry tests use (`--farm-registry` / QCI_FARM_REGISTRY): a loopback host:port only. */
function checkOverride(host: string): string {
  if (!isLoopbackHostPort(host)) {
    throw new QciError(
      `--farm-registry / QCI_FARM_REGISTRY "${host}" must be a loopback host:port (it stands in for a build farm's registry in tests)`,
      {
        kind: 'usage',
      },
    );
  }
  return host;
}

export function farmTarget(
  image: JobImage,
  registryOverride?: string,
): FarmTarget {
  if (!image.cluster || !image.registry) {
    throw new QciError(
      `cannot pull or list: the build farm of ${image.namespace} is unknown`,
      {
        kind: 'cluster-unknown',
        hint: 'rerun with --cluster NAME (qci registries lists them)',
      },
    );
  }
  const registry =
    registryOverride === undefined
      ? image.registry
      : checkOverride(registryOverride);
  return {
    cluster: image.cluster,
    namespace: image.namespace,
    tag: image.tag,
    registry,
    pullSpec: `${registry}/${image.namespace}/pipeline:${image.tag}`,
  };
}

/** The kube session for a build farm: a context named after it, or one whose server is on it. */
export async function connectFarm(
  setup: AuthSetup,
  cluster: string,
  consoleUrl: string | null,
): Promise<AppCi> {
  const hint = `log in to ${cluster} with oc (${consoleUrl ? `${consoleUrl}, then ` : 'its web console: '}"Copy login command"), then rerun`;
  const merged = await loadKubeconfig(setup.env).catch((error: unknown) => {
    // The build farm's login is what is missing, not app.ci's (loadKubeconfig's own hint).
    if (error instanceof QciError && error.kind === 'no-kubeconfig')
      throw new QciError(
        `${error.message}: ${cluster}'s images need a kube context for ${cluster}`,
        {
          kind: 'no-kubeconfig',
          hint,
        },
      );
    throw error;
  });
  const found = findClusterContext(merged, cluster);
  if (!found) {
    throw new QciError(
      `no kube context for ${cluster}: none is named ${cluster} and no context's server is on ${cluster}`,
      { kind: 'no-context', hint },
    );
  }
  return setup.connect({
    name: found.name,
    source: `${cluster} context, ${found.foundBy}`,
  });
}

export async function listFarmImages(
  setup: AuthSetup,
  target: FarmTarget,
  consoleUrl: string | null,
): Promise<string[]> {
  const kube = await connectFarm(setup, target.cluster, consoleUrl);
  try {
    return await kube.imageStreamTags(target.namespace, 'pipeline');
  } catch (error) {
    if (error instanceof QciError && error.kind === 'not-found') {
      throw new QciError(
        `${target.namespace} has no pipeline image stream on ${target.cluster}: the namespace is probably gone (deleted about an hour after the job ends)`,
        {
          kind: 'not-found',
        },
      );
    }
    throw error;
  }
}

/**
 * Log in to the build farm's registry with its token (on stdin), then pull with the default platform.
 * docker: returns the image's ID, which qci prints as podman pull does itself.
 */
export async function pullFarmImage(
  setup: AuthSetup,
  target: FarmTarget,
  options: {
    consoleUrl: string | null;
    quiet: boolean;
    /** --json: the engine's stdout goes to stderr, leaving stdout to qci's JSON. */
    json?: boolean;
    say: (line: string) => void;
  },
): Promise<{ imageId: string | null }> {
  const engine = findEngine(setup.settings.engine, setup.env);
  await refuseHostileEngineFiles(
    setup,
    engine,
    await versionForFiles(setup, engine),
  );
  const kube = await connectFarm(setup, target.cluster, options.consoleUrl);
  const token = kube.requireToken();
  const user = await kube.whoami().then(
    (id) => id.username,
    () => 'user',
  );
  const login = await setup.runner({
    command: engine,
    args: buildLoginArgs({
      engine,
      host: target.registry,
      user,
      tlsVerify: setup.settings.tlsVerify,
    }),
    env: setup.env,
    input: token,
    secrets: [token],
    timeoutMs: 60_000,
  });
  if (login.exitCode !== 0) {
    const cause = classifyEngineFailure(`${login.stdout}\n${login.stderr}`);
    const rejected = cause.startsWith('credentials');
    throw new QciError(
      rejected
        ? `${target.registry} rejected the token of kube context "${kube.context.name}": it has expired or is not a ${target.cluster} token`
        : `${engine} login to ${target.registry} failed: ${engineErrorLine(login.stderr)}`,
      {
        kind: rejected ? 'credentials-rejected' : 'engine-failed',
        hint: `log in to ${target.cluster} again with oc, then rerun`,
      },
    );
  }
  options.say(
    `logged in to ${target.registry} as ${user} (kube context "${kube.context.name}")`,
  );
  const pull = await setup.runner({
    command: engine,
    args: buildPullArgs({
      engine,
      pullSpec: target.pullSpec,
      platform: setup.settings.platform,
      quiet: options.quiet,
      tlsVerify: setup.settings.tlsVerify,
    }),
    env: setup.env,
    stdio: 'show',
    // docker prints its progress on stdout; --json keeps stdout for the JSON document.
    stdoutToStderr: options.json === true || engine === 'docker',
    timeoutMs: 60 * 60_000,
  });
  if (pull.exitCode === 0)
    return {
      imageId:
        engine === 'docker'
          ? await dockerImageId(setup, target.pullSpec)
          : null,
    };
  const cause = classifyEngineFailure(pull.stderr);
  // A build farm's registry means other things by these causes than QCI does.
  const farm = CAUSES[cause].farm?.(target);
  if (farm)
    throw new QciError(farm.message, { kind: farm.kind, hint: farm.hint });
  throw new QciError(
    `${engine} pull of ${target.pullSpec} failed: ${engineErrorLine(pull.stderr)}`,
    { kind: 'engine-failed' },
  );
}
