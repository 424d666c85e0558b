/**
 * The one end-to-end fixture: a test bed for a describe block and a fresh podman environment per test, both
 * stopped by the hooks it registers, and the real bin/qci run inside that environment.
 *
 *   describe.skipIf(!tools.ok)('qci pull (end to end)', () => {
 *     const tb = useTestBed({ denyMode: 'auth-401' });    // beforeAll / afterEach / afterAll
 *     it('…', async () => {
 *       await tb.freshPodman();                          // insecure: the bed's proxy
 *       const r = await tb.qci(['pull', tb.bed.ref()], { KUBECONFIG: … });
 *     });
 *   });
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startTestBed, type TestBed, type TestBedOptions } from './index.js';
import {
  createPodmanEnv,
  type PodmanEnv,
  type PodmanEnvOptions,
} from './podman.js';
import type { RunOptions, RunResult } from './proc.js';

/** This checkout's bin/ (qci, docker-credential-qci) and its bin/qci, as the end-to-end tests run them. */
export const BIN_DIR = fileURLToPath(new URL('../../../bin', import.meta.url));
export const QCI_BIN = join(BIN_DIR, 'qci');

/** Base64, as auth files hold `user:secret`. */
export const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Writes `value` as JSON (tab-indented, as podman writes auth files) with its directories; mode 600. */
export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, '\t'), { mode: 0o600 });
}

export interface UseTestBedOptions extends TestBedOptions {
  /**
   * The environment every `qci()` starts from (the test's own entries override it);
   * default `{ QCI_REGISTRY: <the bed's proxy> }`.
   */
  qciEnv?: (bed: TestBed) => Record<string, string | undefined>;
  /** Runs once the bed is up, in the same beforeAll (users, images, servers of the describe block). */
  setup?: (bed: TestBed) => Promise<void> | void;
}

export interface BedFixture {
  /** The describe block's test bed (started in beforeAll, stopped in afterAll). */
  readonly bed: TestBed;
  /** The current test's podman environment: the last one freshPodman made (all are stopped after each test). */
  readonly pe: PodmanEnv;
  /** Whether this test has made a podman environment yet. */
  readonly hasPodman: boolean;
  /** A new podman environment for this test; `insecureRegistries` defaults to the bed's proxy. */
  freshPodman(options?: Omit<PodmanEnvOptions, 'dir'>): Promise<PodmanEnv>;
  /**
   * A kubeconfig for `token` (default the bed's) at the current environment's ~/.kube/config, its current
   * context named `context` (default the bed's); its path.
   */
  kubeconfigAtHome(token?: string, context?: string): Promise<string>;
  /** Names the bed's proxy as QCI in the current environment's qci config file (qci and its helper read it). */
  writeQciConfig(): void;
  /** Writes an auth file at `path` whose only entry gives the bed's proxy `user:token` (user: the bed's). */
  storeCredential(path: string, token: string, user?: string): void;
  /** The real bin/qci in the current podman environment, with `qciEnv` and then `env` on top. */
  qci(
    args: readonly string[],
    env?: Record<string, string | undefined>,
    options?: Omit<RunOptions, 'env'>,
  ): Promise<RunResult>;
}

/** Registers the hooks of one end-to-end describe block; call it at the top of the block. */
export function useTestBed(options: UseTestBedOptions = {}): BedFixture {
  const { qciEnv, setup, ...bedOptions } = options;
  let bed: TestBed | undefined;
  let pe: PodmanEnv | undefined;
  /** Every environment this test made (a test may make several): all are stopped after it. */
  const made: PodmanEnv[] = [];

  beforeAll(async () => {
    bed = await startTestBed(bedOptions);
    await setup?.(bed);
  });
  afterAll(async () => bed?.stop());
  afterEach(async () => {
    pe = undefined;
    await Promise.all(made.splice(0).map((env) => env.stop()));
  });

  const started = (): TestBed => {
    if (!bed) throw new Error('the test bed is not started (useTestBed)');
    return bed;
  };
  const current = (): PodmanEnv => {
    if (!pe) throw new Error('no podman environment yet: call freshPodman()');
    return pe;
  };
  return {
    get bed() {
      return started();
    },
    get pe() {
      return current();
    },
    get hasPodman() {
      return pe !== undefined;
    },
    async freshPodman(podman = {}) {
      pe = await createPodmanEnv({
        insecureRegistries: [started().proxy.host],
        ...podman,
      });
      made.push(pe);
      return pe;
    },
    async kubeconfigAtHome(token = started().token, context?: string) {
      const path = join(current().home, '.kube', 'config');
      mkdirSync(dirname(path), { recursive: true });
      await started().appci.kubeconfig({ token, path, context });
      return path;
    },
    writeQciConfig() {
      const path = join(current().xdgConfigHome, 'qci', 'config.yaml');
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `registry: ${started().proxy.host}\n`);
    },
    storeCredential(path, token, user = started().user) {
      writeJson(path, {
        auths: { [started().proxy.host]: { auth: b64(`${user}:${token}`) } },
      });
    },
    qci(args, env = {}, runOptions = {}) {
      const base = qciEnv?.(started()) ?? {
        QCI_REGISTRY: started().proxy.host,
      };
      return current().run(process.execPath, [QCI_BIN, ...args], {
        ...runOptions,
        env: { ...base, ...env },
      });
    },
  };
}
