/**
 * A throw-away home for auth tests: every auth-file location (HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME,
 * DOCKER_CONFIG, REGISTRY_AUTH_FILE) is set explicitly inside a temp dir, so no test reads or writes the
 * real user's files.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Buffer } from 'node:buffer';
import { afterEach, beforeEach } from 'vitest';

export interface Sandbox {
  root: string;
  home: string;
  runtimeDir: string;
  configHome: string;
  /** Every auth variable set; DOCKER_CONFIG and REGISTRY_AUTH_FILE empty (= unset, as Go reads them). */
  env: Record<string, string>;
  path(...parts: string[]): string;
  write(file: string, content: string | object): string;
  cleanup(): void;
}

export function makeSandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'qci-auth-'));
  const home = join(root, 'home');
  const runtimeDir = join(root, 'run');
  const configHome = join(home, '.config');
  for (const dir of [home, runtimeDir, configHome])
    mkdirSync(dir, { recursive: true });
  const env = {
    HOME: home,
    XDG_RUNTIME_DIR: runtimeDir,
    XDG_CONFIG_HOME: configHome,
    DOCKER_CONFIG: '',
    REGISTRY_AUTH_FILE: '',
  };
  return {
    root,
    home,
    runtimeDir,
    configHome,
    env,
    path: (...parts) => join(root, ...parts),
    write(file, content) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(
        file,
        typeof content === 'string'
          ? content
          : JSON.stringify(content, null, '\t'),
      );
      return file;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A fresh sandbox for each test of the calling block: made before each test, removed after it. */
export function useSandbox(): Sandbox {
  let current: Sandbox | undefined;
  beforeEach(() => {
    current = makeSandbox();
  });
  afterEach(() => current?.cleanup());
  const now = (): Sandbox => {
    if (!current) throw new Error('no sandbox outside a test (useSandbox)');
    return current;
  };
  return {
    get root() {
      return now().root;
    },
    get home() {
      return now().home;
    },
    get runtimeDir() {
      return now().runtimeDir;
    },
    get configHome() {
      return now().configHome;
    },
    get env() {
      return now().env;
    },
    path: (...parts) => now().path(...parts),
    write: (file, content) => now().write(file, content),
    cleanup: () => now().cleanup(),
  };
}

export const b64 = (text: string) =>
  Buffer.from(text, 'utf8').toString('base64');
export const QCI = 'quay-proxy.ci.openshift.org';
/** Looks like an app.ci OAuth token; tests check it never shows up in output. */
export const TOKEN = 'sha256~Zm9vYmFyYmF6cXV4LXNlY3JldC10b2tlbi0xMjM0NTY3';
export const OLD_TOKEN =
  'sha256~T2xkLXN0YWxlLXRva2VuLXRoYXQtZXhwaXJlZC0wMDAwMA';
