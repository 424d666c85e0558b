/**
 * qci doctor: why does `podman pull` say "unauthorized"? Every check runs concurrently with its own
 * timeout and returns findings (severity, one sentence of why, the exact command that fixes it); nothing
 * here prints. `fix` applies the fixes that are safe: removing dead QCI entries (a backup where the file keeps something else), logging in.
 * With --authfile, podman is judged as `podman --authfile PATH` is, and --fix logs in into that file.
 *
 * The checks are in checks/<concern>.ts, each a function from a probe (probe.ts reads and asks) to
 * findings; the words of every finding are in catalogue.ts; --fix's steps are in fix.ts.
 */
import { explainCause, type Cause } from '../core/causes.js';
import { classifyEngineFailure } from '../engine/classify.js';
import type { AuthSetup } from '../session/setup.js';
import {
  fixesThatCanWork,
  found,
  lacksAppCiLogin,
  shown,
  type Finding,
} from './catalogue.js';
import { checkAppCi } from './checks/appci.js';
import { checkAuthEntries } from './checks/auth-entries.js';
import { checkEngines } from './checks/engines.js';
import { checkEnvironment } from './checks/environment.js';
import { checkOldRegistries } from './checks/old-registries.js';
import { checkRegistry } from './checks/registry.js';
import {
  eraseDeadHelperSecrets,
  logIn,
  podmanSendsValid,
  removeDeadEntries,
} from './fix.js';
import {
  appCiProbe,
  authProbe,
  enginesProbe,
  environmentProbe,
  oldRegistriesProbe,
  registryProbe,
  share,
  type Shared,
} from './probe.js';
import { messageOf } from '../core/errors.js';
import {
  pullSecretRenewal,
  renewPullSecret,
} from '../session/pull-secret-check.js';

export type { Finding, Severity } from './catalogue.js';

export interface DoctorReport {
  registry: string;
  /** --authfile: podman is judged as `podman --authfile PATH` (docker has no such flag). */
  authfile: string | null;
  findings: Finding[];
  healthy: boolean;
  /** What --fix did, in order. */
  fixed: string[];
}

export interface DoctorOptions {
  timeoutMs?: number;
  /** `podman --authfile PATH`: the file podman reads first, and the one --fix logs in into. */
  authfile?: string | undefined;
  /** Called as each check finishes (the live checklist). */
  onCheck?: (check: string, findings: Finding[]) => void;
}

export const CHECKS = [
  'engines',
  'app.ci',
  'auth files',
  'environment',
  'old registries',
  'registry',
] as const;

type CheckName = (typeof CHECKS)[number];

const RUN: Record<
  CheckName,
  (s: Shared, timeoutMs: number) => Promise<Finding[]>
> = {
  engines: async (s) => checkEngines(await enginesProbe(s)),
  'app.ci': async (s) => checkAppCi(await appCiProbe(s)),
  'auth files': async (s) => checkAuthEntries(await authProbe(s)),
  environment: async (s) => checkEnvironment(environmentProbe(s)),
  'old registries': async (s) =>
    checkOldRegistries(await oldRegistriesProbe(s)),
  registry: (s, timeoutMs) => checkRegistry(registryProbe(s, timeoutMs)),
};

/** One check, within its timeout; a check that throws or runs out of time says so as a finding. */
async function runCheck(
  name: CheckName,
  s: Shared,
  timeoutMs: number,
): Promise<Finding[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Finding[]>((resolve) => {
    timer = setTimeout(
      () =>
        resolve([
          found('check.timeout', { check: name, seconds: timeoutMs / 1000 }),
        ]),
      timeoutMs,
    );
  });
  const findings = await Promise.race([
    RUN[name](s, timeoutMs).catch((error: unknown) => [
      found('check.failed', {
        check: name,
        message: messageOf(error),
      }),
    ]),
    timeout,
  ]);
  clearTimeout(timer);
  return findings;
}

export async function runDoctor(
  setup: AuthSetup,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const s = share(setup, options.authfile);
  const results = await Promise.all(
    CHECKS.map(async (name) => {
      const findings = await runCheck(name, s, timeoutMs);
      options.onCheck?.(name, findings);
      return findings;
    }),
  );
  // Checks in their fixed order; within a check, the order it found things in (the story reads right).
  const findings = fixesThatCanWork(results.flat());
  return {
    registry: setup.settings.registry,
    authfile: options.authfile ?? null,
    findings,
    healthy: !findings.some((f) => f.severity === 'error'),
    fixed: [],
  };
}

/**
 * The safe repairs of what `report` found: remove the QCI entries whose token is dead (each file keeps a
 * backup), erase dead secrets held by credential helpers, then log in (into --authfile, when given) if
 * podman would still send nothing valid. Then the checks run again.
 */
export async function fixAndRecheck(
  setup: AuthSetup,
  report: DoctorReport,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const { findings } = report;
  // Read before a dead entry is removed: a ServiceAccount's pull secret is renewed, not logged in to.
  const renewal = await pullSecretRenewal(setup, options.authfile);
  const fixed = [
    ...(await removeDeadEntries(setup, findings)),
    ...(await eraseDeadHelperSecrets(setup, findings)),
  ];
  const needsLogin =
    fixed.length > 0 ||
    findings.some(
      (f) =>
        f.autoFix &&
        (f.id.startsWith('auth.') || f.id === 'registry.credential'),
    );
  const { authfile } = options;
  if (needsLogin && !(await podmanSendsValid(setup, findings, authfile)))
    fixed.push(
      lacksAppCiLogin(findings)
        ? 'not logged in: there is no app.ci login here; run qci login --web'
        : findings.some((f) => f.id === 'kube.unreachable')
          ? 'not logged in: app.ci cannot be reached (above); run qci login once it can be'
          : renewal
            ? await renewPullSecret(setup, renewal)
            : await logIn(setup, authfile),
    );
  const again = await runDoctor(setup, options);
  return { ...again, fixed };
}

/** The report as `--json` shows it: the findings without what --fix needs to know. */
export function reportJson(report: DoctorReport): DoctorReport {
  return { ...report, findings: report.findings.map(shown) };
}

/** `qci doctor --explain TEXT`: what a pasted podman, docker or skopeo error means. */
export function explainError(
  text: string,
  host: string,
): { cause: Cause; detail: string; fix: string } {
  const cause = classifyEngineFailure(text);
  const { detail, fix } = explainCause(cause, host);
  return { cause, detail, fix };
}
