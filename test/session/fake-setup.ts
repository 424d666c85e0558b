/**
 * An AuthSetup of fakes for the session verbs: a private HOME, an engine runner that plays podman
 * (login writes the auth file it is given; pull answers as the test says), an app.ci client that counts
 * its proofs, and a fixed clock. No process runs and nothing reaches the network.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../helpers/temp.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { QciError } from '../../src/core/errors.js';
import type { RunRequest, RunResult } from '../../src/engine/run.js';
import type { AppCi, TokenProof } from '../../src/kube/appci.js';
import type { AuthSetup } from '../../src/session/setup.js';

export const HOST = 'qci.test';
export const NOW = new Date('2026-12-01T12:00:00Z');
export const DAY = 86_400_000;
const b64 = (s: string) => Buffer.from(s).toString('base64');

export interface FakeAppCi {
  /** The kube context's token. */
  token: string;
  user: string;
  qciAccess: boolean;
  expiresAt: Date | null;
  /** app.ci calls the token dead (401). */
  dead: boolean;
  /** How many times app.ci was connected to, and asked to prove a token. */
  connects: number;
  proofs: number;
}

export interface Fake {
  setup: AuthSetup;
  appci: FakeAppCi;
  /** Every command the runner got. */
  runs: RunRequest[];
  /** What the next pulls answer, in turn (then success). */
  pullAnswers: Partial<RunResult>[];
  /** The user's podman auth file. */
  authFile: string;
  /** Writes `user:token` for HOST into the user's podman auth file (a `podman login` by hand). */
  storeCredential: (user: string, token: string) => void;
  storedCredential: () => string | null;
  /** What the setup said and warned (its `say` and `warn` for pull). */
  said: string[];
}

const ok = (r: Partial<RunResult> = {}): RunResult => ({
  exitCode: 0,
  stdout: '',
  stderr: '',
  timedOut: false,
  signal: null,
  startError: null,
  ...r,
});

export const UNAUTHORIZED: Partial<RunResult> = {
  exitCode: 125,
  stderr: `Error: initializing source docker://${HOST}/openshift/ci:ocp_4.7_cli: reading manifest ocp_4.7_cli in ${HOST}/openshift/ci: unauthorized: authentication required\n`,
};

function writeEntry(file: string, user: string, token: string, host = HOST) {
  let current: { auths?: Record<string, unknown> } = {};
  try {
    current = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // a new file
  }
  const auths = { ...current.auths, [host]: { auth: b64(`${user}:${token}`) } };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify({ ...current, auths }), { mode: 0o600 });
}

export function fakeSetup(appciOverrides: Partial<FakeAppCi> = {}): Fake {
  const home = tempDir('qci-session-');
  const bin = join(home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'podman'), '#!/bin/sh\nexit 1\n');
  chmodSync(join(bin, 'podman'), 0o755);
  const run = join(home, 'run');
  mkdirSync(run, { mode: 0o700 });
  const env = { HOME: home, PATH: bin, XDG_RUNTIME_DIR: run };
  const authFile = join(run, 'containers', 'auth.json');
  const appci: FakeAppCi = {
    token: `sha256~${'K'.repeat(43)}`,
    user: 'alice',
    qciAccess: true,
    expiresAt: new Date(NOW.getTime() + 20 * DAY),
    dead: false,
    connects: 0,
    proofs: 0,
    ...appciOverrides,
  };
  const runs: RunRequest[] = [];
  const pullAnswers: Partial<RunResult>[] = [];
  const runner = async (request: RunRequest): Promise<RunResult> => {
    runs.push(request);
    const [verb] = request.args;
    if (verb === 'login') {
      const at = request.args.indexOf('--authfile');
      const user = request.args[request.args.indexOf('--username') + 1]!;
      writeEntry(
        at >= 0 ? request.args[at + 1]! : authFile,
        user,
        request.input!,
        request.args.at(-1),
      );
      return ok({ stdout: 'Login Succeeded!\n' });
    }
    if (verb === 'pull') return ok(pullAnswers.shift());
    return ok();
  };
  const client = {
    context: {
      name: 'app.ci',
      foundBy: 'named app.ci',
      server: 'https://api.ci.test:6443',
      file: join(home, 'kubeconfig'),
      userEntry: 'alice/api-ci-test:6443',
      token: appci.token,
    },
    requireToken: () => appci.token,
    prove: async (): Promise<TokenProof> => {
      appci.proofs++;
      if (appci.dead)
        throw new QciError('the app.ci token has expired or was revoked', {
          kind: 'token-expired',
        });
      return {
        identity: { username: appci.user, groups: [] },
        expiry: { expiresAt: appci.expiresAt, source: 'oauth-metadata' },
        qciAccess: appci.qciAccess,
      } as TokenProof;
    },
  };
  const said: string[] = [];
  const setup: AuthSetup = {
    settings: { ...DEFAULT_SETTINGS, registry: HOST, engine: 'podman' },
    env,
    home,
    uid: process.getuid?.() ?? 0,
    runner,
    context: undefined,
    now: () => NOW,
    connect: async () => {
      appci.connects++;
      return client as unknown as AppCi;
    },
    onSignals: () => () => {},
  };
  return {
    setup,
    appci,
    runs,
    pullAnswers,
    authFile,
    said,
    storeCredential: (user, token) => writeEntry(authFile, user, token),
    storedCredential: () => {
      try {
        const auth = JSON.parse(readFileSync(authFile, 'utf8')).auths?.[HOST]
          ?.auth;
        return auth ? Buffer.from(auth, 'base64').toString() : null;
      } catch {
        return null;
      }
    },
  };
}

/** pull's options, saying and warning into `fake.said`. */
export function pullOptions(fake: Fake, more: Record<string, unknown> = {}) {
  return {
    quiet: false,
    login: true,
    dryRun: false,
    localName: false,
    say: (line: string) => fake.said.push(line),
    warn: (line: string) => fake.said.push(`warning: ${line}`),
    ...more,
  };
}
