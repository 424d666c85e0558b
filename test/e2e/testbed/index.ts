/**
 * The end-to-end test bed: a fake app.ci API (HTTPS, test CA), a real docker-registry holding a tiny image,
 * a quay-proxy stand-in in front of it, and an isolated podman/skopeo environment that trusts both as
 * insecure registries. All on 127.0.0.1, all under one temp dir, all removed by stop().
 *
 *   const bed = await startTestBed();            // in beforeAll
 *   await bed.podman.podman(['login', '--password-stdin', '-u', 'someone', bed.proxy.host], { input: bed.token });
 *   await bed.podman.podman(['pull', bed.ref()]);
 *   await bed.stop();                            // in afterAll
 */
import { join } from 'node:path';
import { startFakeAppCi, type FakeAppCi } from './appci.js';
import {
  createPodmanEnv,
  type PodmanEnv,
  type PodmanEnvOptions,
} from './podman.js';
import { makeTempDir, removeDir } from './proc.js';
import { startQciProxy, type DenyMode, type QciProxy } from './proxy.js';
import {
  importTinyImage,
  pushTinyImage,
  startRegistry,
  type BackendRegistry,
  type ImportedImage,
  type PushedImage,
  type TinyImageOptions,
} from './registry.js';

export {
  startFakeAppCi,
  newOAuthToken,
  oauthTokenName,
  decodeJwtPayload,
  kubeTime,
} from './appci.js';
export type {
  FakeAppCi,
  TokenReviewResult,
  AppCiRequest,
  KubeconfigOptions,
  TokenRecord,
} from './appci.js';
export { startQciProxy } from './proxy.js';
export { startFarFront } from './latency.js';
export type { FarFront } from './latency.js';
export type { QciProxy, ProxyRequest, DenyMode } from './proxy.js';
export {
  startRegistry,
  importTinyImage,
  pushTinyImage,
  DEFAULT_IMAGE_LABELS,
} from './registry.js';
export type {
  BackendRegistry,
  ImportedImage,
  PushedImage,
  TinyImageOptions,
} from './registry.js';
export { createPodmanEnv, run } from './podman.js';
export type {
  PodmanEnv,
  PodmanEnvOptions,
  AuthFilePaths,
  RunOptions,
  RunResult,
} from './podman.js';
export { requireTools, which } from './tools.js';
export type { ToolCheck } from './tools.js';
export { aptInstallLine, DEBIAN_PACKAGES } from './tools.js';
export { killTracked } from './proc.js';

/** The tools startTestBed needs: pass to requireTools. */
export const TESTBED_TOOLS = [
  'podman',
  'skopeo',
  'docker-registry',
  'openssl',
  'tar',
] as const;

export interface TestBedOptions {
  /** Tags pushed to openshift/ci; default ["ocp_4.7_my-component"]. */
  tags?: string[];
  /** Image labels; default DEFAULT_IMAGE_LABELS (io.openshift.build.commit.id, …source-location). */
  labels?: Record<string, string>;
  /** The app.ci user that gets `token`; default "developer". */
  user?: string;
  /** How the proxy answers users without QCI access; default 'auth-403'. */
  denyMode?: DenyMode;
  /** The proxy's idle-connection timeout (default 1000 ms; see QciProxyOptions.keepAliveTimeoutMs). */
  proxyKeepAliveMs?: number;
  /** DOCKER_CONFIG / REGISTRY_AUTH_FILE choices for the test's podman environment (both unset by default). */
  podman?: Pick<PodmanEnvOptions, 'dockerConfig' | 'registryAuthFile'>;
}

export interface TestBed {
  /** Root temp dir (removed by stop()). */
  dir: string;
  appci: FakeAppCi;
  registry: BackendRegistry;
  proxy: QciProxy;
  /** Isolated podman/skopeo for the test: empty image store, no credentials, proxy and backend insecure. */
  podman: PodmanEnv;
  /** The image as pushed to the backend (references name the backend host). */
  image: PushedImage;
  /** Default user and a live OAuth token of theirs (28 days). */
  user: string;
  token: string;
  /** Pull reference through the proxy: `127.0.0.1:PROXYPORT/openshift/ci:<tag>` (default: first tag). */
  ref(tag?: string): string;
  /**
   * Pushes another tiny image into the backend mid-test (from a throw-away podman store, so the test's store
   * stays as it was). Give a different `content` to get a different digest.
   */
  pushImage(
    options: Omit<TinyImageOptions, 'registryHost'>,
  ): Promise<PushedImage>;
  /** Milliseconds startTestBed took, and per phase. */
  startupMs: number;
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export async function startTestBed(
  options: TestBedOptions = {},
): Promise<TestBed> {
  const started = Date.now();
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await work();
    } finally {
      timings[name] = Date.now() - t0;
    }
  };
  const dir = await makeTempDir('qci-testbed-');
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled(
      stops
        .splice(0)
        .reverse()
        .map((stop) => stop()),
    );
    await removeDir(dir);
    const failures = results.filter(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    );
    if (failures.length > 0)
      throw new AggregateError(
        failures.map((f) => f.reason as unknown),
        'test bed stop failed',
      );
  };

  try {
    const tags = options.tags ?? ['ocp_4.7_my-component'];
    const user = options.user ?? 'developer';

    const appciPromise = timed('appci', () =>
      startFakeAppCi({ dir: join(dir, 'appci') }),
    );
    // Seed the registry from a throw-away podman store, so the test's store starts empty.
    const registryPromise = timed('registry', () =>
      startRegistry({ dir: join(dir, 'registry') }),
    );
    const firstSeed = await createPodmanEnv({ dir });
    stops.push(() => firstSeed.stop());
    // podman import needs no registry: overlap it with the servers' start.
    const imported = timed('import', () =>
      importTinyImage(
        firstSeed,
        options.labels ? { labels: options.labels } : {},
      ),
    );
    imported.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
    const [appci, registry] = await Promise.all([
      appciPromise,
      registryPromise,
    ]);
    stops.push(
      () => appci.stop(),
      () => registry.stop(),
    );

    const seedImage = async (
      seed: PodmanEnv,
      image: Omit<TinyImageOptions, 'registryHost'>,
      prebuilt?: Promise<ImportedImage>,
    ): Promise<PushedImage> => {
      try {
        return await pushTinyImage(
          seed,
          { ...image, registryHost: registry.host },
          prebuilt,
        );
      } finally {
        await seed.stop();
      }
    };
    const imagePromise = timed('push', () =>
      seedImage(firstSeed, { tags }, imported),
    );
    imagePromise.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
    const proxy = await timed('proxy', () =>
      startQciProxy({
        backend: registry.url,
        tokenReview: (t) => appci.tokenReview(t),
        canPullQci: (u) => appci.canPullQci(u),
        denyMode: options.denyMode ?? 'auth-403',
        ...(options.proxyKeepAliveMs
          ? { keepAliveTimeoutMs: options.proxyKeepAliveMs }
          : {}),
      }),
    );
    stops.push(() => proxy.stop());
    const podman = await createPodmanEnv({
      dir,
      insecureRegistries: [proxy.host, registry.host],
      ...options.podman,
    });
    stops.push(() => podman.stop());
    const image = await imagePromise;

    appci.addUser(user, []);
    const token = appci.createToken(user);
    const startupMs = Date.now() - started;
    return {
      dir,
      appci,
      registry,
      proxy,
      podman,
      image,
      user,
      token,
      ref: (tag = tags[0]!) => `${proxy.host}/${image.repository}:${tag}`,
      pushImage: async (image) =>
        seedImage(await createPodmanEnv({ dir }), image),
      startupMs,
      timings,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}
