/**
 * An isolated environment for real podman and skopeo: temp HOME and XDG dirs, a private vfs image store,
 * a private containers.conf and registries.conf. Nothing of the machine's auth files or image store is read
 * or written (one exception podman 4.3.1 hard-codes: it creates an empty /run/containers/networks).
 *
 * podman 4.3.1 pitfall, seen here: when DOCKER_CONFIG is set, or REGISTRY_AUTH_FILE names a file, and that
 * file does not exist, pull/push fail at once with `Error: stat <file>: no such file or directory`. So both are
 * UNSET by default (podman then uses $XDG_RUNTIME_DIR/containers/auth.json, and reads the other files).
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  killProcessesUsing,
  makeTempDir,
  removeDir,
  run,
  type RunOptions,
  type RunResult,
} from './proc.js';

export { run, type RunOptions, type RunResult } from './proc.js';

export interface PodmanEnvOptions {
  /** host:port entries marked insecure (plain HTTP) in registries.conf. */
  insecureRegistries?: string[];
  /** Parent of the environment's temp dir; default the OS temp dir. */
  dir?: string;
  /** DOCKER_CONFIG: false/omitted = unset; true = "$HOME/.docker"; a string = that directory. */
  dockerConfig?: boolean | string;
  /** REGISTRY_AUTH_FILE: false/omitted = unset; true = "<dir>/registry-auth.json"; a string = that file. */
  registryAuthFile?: boolean | string;
}

/** The auth files podman/skopeo consult (containers-auth.json(5); containers/image pkg/docker/config/config.go), as paths inside this environment. */
export interface AuthFilePaths {
  /** $XDG_RUNTIME_DIR/containers/auth.json: podman's primary file when neither variable is set. */
  xdgRuntime: string;
  /** $XDG_CONFIG_HOME/containers/auth.json */
  xdgConfig: string;
  /** $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json */
  docker: string;
  /** $HOME/.dockercfg (legacy) */
  dockercfg: string;
  /** REGISTRY_AUTH_FILE when set */
  registryAuthFile?: string;
}

export interface PodmanEnv {
  /** Root temp dir of this environment (removed by stop()). */
  dir: string;
  home: string;
  xdgRuntimeDir: string;
  xdgConfigHome: string;
  storageConf: string;
  registriesConf: string;
  containersConf: string;
  authFiles: AuthFilePaths;
  /** The complete environment given to every command (PATH, HOME, XDG_*, CONTAINERS_*, TMPDIR, …). */
  env: Record<string, string>;
  /** Marks another host:port insecure (rewrites registries.conf). */
  addInsecureRegistry(host: string): Promise<void>;
  /** Runs any command with this environment; options.env entries override it (undefined removes a key). */
  run(
    cmd: string,
    args: readonly string[],
    options?: RunOptions,
  ): Promise<RunResult>;
  podman(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** podman, throwing on a non-zero exit. */
  podmanOk(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /**
   * skopeo with `--registries-conf` added: skopeo 1.9.3 ignores CONTAINERS_REGISTRIES_CONF (seen here:
   * without it, it speaks HTTPS to the plain-HTTP registry).
   */
  skopeo(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** A fresh directory inside this environment. */
  scratchDir(prefix: string): Promise<string>;
  /** Kills leftover podman helpers started with this environment, then removes the whole temp dir. */
  stop(): Promise<void>;
}

export async function createPodmanEnv(
  options: PodmanEnvOptions = {},
): Promise<PodmanEnv> {
  const dir =
    options.dir === undefined
      ? await makeTempDir('qci-podman-')
      : await mkdtemp(join(options.dir, 'podman-'));
  const home = join(dir, 'home');
  const xdgRuntimeDir = join(dir, 'run');
  const xdgConfigHome = join(home, '.config');
  const tmp = join(dir, 'tmp');
  const graphroot = join(dir, 'storage', 'graph');
  const runroot = join(dir, 'storage', 'run');
  const libpodTmp = join(dir, 'libpod');
  const storageConf = join(dir, 'storage.conf');
  const registriesConf = join(dir, 'registries.conf');
  const containersConf = join(dir, 'containers.conf');
  await Promise.all(
    [
      home,
      xdgRuntimeDir,
      xdgConfigHome,
      tmp,
      graphroot,
      runroot,
      libpodTmp,
      join(dir, 'scratch'),
      join(dir, 'networks'),
    ].map((d) => mkdir(d, { recursive: true, mode: 0o700 })),
  );

  const dockerConfigDir =
    options.dockerConfig === true
      ? join(home, '.docker')
      : typeof options.dockerConfig === 'string'
        ? options.dockerConfig
        : undefined;
  const registryAuthFile =
    options.registryAuthFile === true
      ? join(dir, 'registry-auth.json')
      : typeof options.registryAuthFile === 'string'
        ? options.registryAuthFile
        : undefined;
  if (dockerConfigDir !== undefined)
    await mkdir(dockerConfigDir, { recursive: true });

  const toml = (s: string): string => JSON.stringify(s);
  await writeFile(
    storageConf,
    `[storage]\ndriver = "vfs"\ngraphroot = ${toml(graphroot)}\nrunroot = ${toml(runroot)}\n`,
  );
  // A private containers.conf, so podman's runtime state (alive/lock files, events, copy temp files) stays
  // in the temp dir instead of /run/libpod and /var/tmp. CONTAINERS_CONF replaces the system files.
  await writeFile(
    containersConf,
    [
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = ${toml(join(libpodTmp, 'events.log'))}`,
      `tmp_dir = ${toml(libpodTmp)}`,
      `volume_path = ${toml(join(graphroot, 'volumes'))}`,
      `image_copy_tmp_dir = ${toml(tmp)}`,
      '[network]',
      `network_config_dir = ${toml(join(dir, 'networks'))}`,
      '',
    ].join('\n'),
  );
  const insecure = new Set(options.insecureRegistries ?? []);
  const writeRegistriesConf = (): Promise<void> =>
    writeFile(
      registriesConf,
      'unqualified-search-registries = []\nshort-name-mode = "disabled"\n\n' +
        [...insecure]
          .map(
            (host) =>
              `[[registry]]\nlocation = ${toml(host)}\ninsecure = true\n`,
          )
          .join('\n'),
    );
  await writeRegistriesConf();

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    USER: 'root',
    LANG: 'C.UTF-8',
    TMPDIR: tmp,
    XDG_RUNTIME_DIR: xdgRuntimeDir,
    XDG_CONFIG_HOME: xdgConfigHome,
    CONTAINERS_STORAGE_CONF: storageConf,
    CONTAINERS_REGISTRIES_CONF: registriesConf,
    CONTAINERS_CONF: containersConf,
    // Text output wraps at COLUMNS (80 off a terminal): the tests read a finding or a row as one line.
    COLUMNS: '1000',
  };
  if (dockerConfigDir !== undefined) env.DOCKER_CONFIG = dockerConfigDir;
  if (registryAuthFile !== undefined) env.REGISTRY_AUTH_FILE = registryAuthFile;

  const authFiles: AuthFilePaths = {
    xdgRuntime: join(xdgRuntimeDir, 'containers', 'auth.json'),
    xdgConfig: join(xdgConfigHome, 'containers', 'auth.json'),
    docker: join(dockerConfigDir ?? join(home, '.docker'), 'config.json'),
    dockercfg: join(home, '.dockercfg'),
    ...(registryAuthFile !== undefined ? { registryAuthFile } : {}),
  };

  const marker = `CONTAINERS_STORAGE_CONF=${storageConf}`;
  const runHere = (
    cmd: string,
    args: readonly string[],
    opts: RunOptions = {},
  ): Promise<RunResult> =>
    run(cmd, args, { ...opts, env: { ...env, ...opts.env } });
  const podman = (
    args: readonly string[],
    opts: RunOptions = {},
  ): Promise<RunResult> => runHere('podman', args, opts);
  let scratchCount = 0;
  let stopped = false;

  return {
    dir,
    home,
    xdgRuntimeDir,
    xdgConfigHome,
    storageConf,
    registriesConf,
    containersConf,
    authFiles,
    env,
    async addInsecureRegistry(host) {
      insecure.add(host);
      await writeRegistriesConf();
    },
    run: runHere,
    podman,
    async podmanOk(args, opts = {}) {
      const result = await podman(args, opts);
      if (result.exitCode !== 0) {
        throw new Error(
          `podman ${args.join(' ')} exited ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
        );
      }
      return result;
    },
    skopeo: (args, opts = {}) =>
      runHere('skopeo', ['--registries-conf', registriesConf, ...args], opts),
    async scratchDir(prefix) {
      const d = join(dir, 'scratch', `${prefix}${++scratchCount}`);
      await mkdir(d, { recursive: true });
      return d;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await killProcessesUsing(marker);
      // vfs layers are plain directories: removing the tree is the whole cleanup (no `podman system reset`,
      // which would cost a podman start and could itself be what hangs).
      await removeDir(dir);
    },
  };
}
