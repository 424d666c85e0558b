/**
 * What `qci doctor` does once it runs, and how its results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/doctor.ts.
 */
import { ExitCode, usageError } from '../../core/errors.js';
import type { DoctorReport, Finding, Severity } from '../../doctor/doctor.js';
import type { CommandContext } from '../context.js';
import { warmAppCi } from '../warm.js';
import { hangFor, wrapLine } from '../wrap.js';
import { settingFlags, type SettingFlags } from '../setting-flags.js';

/** The mark on a fix line that `qci doctor --fix` applies. */
export const SAFE = '(safe)';
export const markedSafe = (f: Finding) => f.autoFix && f.severity !== 'ok';
const isProblem = (f: Finding) => f.severity === 'error';

/**
 * The problems, one per cause: findings that one command fixes are one cause (an expired app.ci token
 * behind the kube context and behind docker-credential-qci), and a registry refusing the credential
 * that an auth-file problem already blames is that problem seen from the registry.
 */
export function problemCauses(findings: readonly Finding[]): Finding[][] {
  const problems = findings.filter(isProblem);
  const blamed = problems.find((f) => f.id.startsWith('auth.'));
  const causes = new Map<string, Finding[]>();
  const keyOf = (f: Finding) => f.fix ?? f.id;
  for (const f of problems) {
    const key =
      f.id === 'registry.credential' && blamed ? keyOf(blamed) : keyOf(f);
    causes.set(key, [...(causes.get(key) ?? []), f]);
  }
  return [...causes.values()];
}

export function summary(
  ctx: CommandContext,
  report: DoctorReport,
  fixRan: boolean,
): void {
  const plural = (n: number, word: string) =>
    `${n} ${word}${n === 1 ? '' : 's'}`;
  const warnings = report.findings.filter((f) => f.severity === 'warn');
  const causes = problemCauses(report.findings).length;
  // Only when a line above carries the mark, and not after --fix has had its go.
  const safe =
    !fixRan && report.findings.some(markedSafe)
      ? `; \`qci doctor --fix\` repairs the ones marked ${SAFE}`
      : '';
  ctx.ui.info(
    report.healthy
      ? `healthy${warnings.length ? ` (${plural(warnings.length, 'warning')})` : ''}${safe}`
      : `${plural(causes, 'problem')} to fix${safe}`,
  );
}

interface DoctorFlags extends SettingFlags {
  fix?: boolean;
  explain?: string;
  timeout?: string;
  authfile?: string;
}

function render(
  ctx: CommandContext,
  report: DoctorReport,
  only?: (f: Finding) => boolean,
): void {
  const c = ctx.ui.out;
  const marks: Record<Severity, string> = {
    ok: c.green('✓'),
    info: c.blue('i'),
    warn: c.yellow('!'),
    error: c.red('✗'),
  };
  // The podman < 4.8 note matters only where its old behaviour bites: DOCKER_CONFIG or an --authfile
  // (REGISTRY_AUTH_FILE) in use. --json keeps every finding.
  const oldPodmanMatters =
    ctx.io.env.DOCKER_CONFIG !== undefined ||
    ctx.io.env.REGISTRY_AUTH_FILE !== undefined ||
    report.authfile !== null;
  // Continuations go under the detail (and under a fix's text), or under the check on a narrow terminal.
  const width = ctx.ui.width;
  const hang = hangFor(DETAIL_COLUMN, width, 2);
  const print = (line: string, column: number) => {
    for (const l of wrapLine(line, width, hangFor(column, width, hang)))
      ctx.ui.print(l);
  };
  for (const f of report.findings) {
    if (f.id === 'engine.podman-old' && !oldPodmanMatters) continue;
    if (only && !only(f)) continue;
    print(`${marks[f.severity]} ${f.check.padEnd(15)} ${f.detail}`, hang);
    // A fix starts where the detail's continuations do: under the detail, or on a narrow terminal
    // under the check.
    if (f.fix && f.severity !== 'ok')
      print(
        `${' '.repeat(hang)}${c.dim('fix:')} ${f.fix}${markedSafe(f) ? ` ${c.dim(SAFE)}` : ''}`,
        hang + 'fix: '.length,
      );
  }
}

/** Where a finding's detail starts: after the mark and the check's name. */
const DETAIL_COLUMN = 18;

/** One stderr line, redrawn as each check finishes: `… engines  ✓ app.ci  ✗ auth files  …`. */
function liveChecklist(ctx: CommandContext, checks: readonly string[]) {
  const c = ctx.ui.err;
  const state = new Map<string, string>(
    checks.map((name) => [name, c.dim('…')]),
  );
  const draw = () =>
    ctx.io.stderr.write(
      `\r\u001b[2K${[...state].map(([name, mark]) => `${mark} ${name}`).join('  ')}`,
    );
  draw();
  return {
    done(check: string, findings: Finding[]) {
      const worst = findings.some((f) => f.severity === 'error')
        ? c.red('✗')
        : findings.some((f) => f.severity === 'warn')
          ? c.yellow('!')
          : c.green('✓');
      state.set(check, worst);
      draw();
    },
    clear() {
      ctx.io.stderr.write('\r\u001b[2K');
    },
  };
}

export async function doctorAction(
  ctx: CommandContext,
  options: DoctorFlags,
): Promise<number> {
  if (options.explain !== undefined && options.explain.trim() === '')
    throw usageError('--explain needs the error text to explain', {
      hint: "qci doctor --explain 'Error: … unauthorized: authentication required' (the engine's whole error, quoted)",
    });
  if (options.explain !== undefined && options.fix)
    throw usageError('--explain and --fix do not go together', {
      hint: 'qci doctor --fix checks this machine and repairs it; --explain only reads the error given',
    });
  // app.ci's connections open first: their round trip overlaps the loading of the checks.
  if (options.explain === undefined) await warmAppCi(ctx, options);
  const resolved = await ctx.settings(settingFlags(options));
  const { CHECKS, explainError, runDoctor, fixAndRecheck, reportJson } =
    await import('../../doctor/doctor.js');
  if (options.explain !== undefined) {
    const explained = explainError(options.explain, resolved.settings.registry);
    if (ctx.json) ctx.ui.json(explained);
    else {
      ctx.ui.print(`cause: ${explained.cause}`);
      ctx.ui.print(explained.detail);
      ctx.ui.print(`fix: ${explained.fix}`);
    }
    return explained.cause === 'unknown' ? ExitCode.failure : ExitCode.ok;
  }
  const { authSetup } = await import('../auth-setup.js');
  const setup = authSetup(ctx, resolved);
  const timeoutMs = options.timeout
    ? Number(options.timeout) * 1000
    : undefined;
  if (timeoutMs !== undefined && !(timeoutMs > 0))
    throw usageError('--timeout takes a number of seconds above 0');
  // On a terminal, each check's lines appear as soon as it finishes; otherwise one ordered report.
  // On a terminal: a live checklist line on stderr while the checks run, then the report in check order.
  const live = ctx.io.stderr.isTTY === true && !ctx.json;
  const checklist = live ? liveChecklist(ctx, CHECKS) : undefined;
  const { authfile } = options;
  let report = await runDoctor(setup, {
    authfile,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(checklist ? { onCheck: checklist.done } : {}),
  });
  checklist?.clear();
  if (!ctx.json) render(ctx, report);
  if (options.fix) {
    // The report once, then what was fixed, then only what remains.
    if (!ctx.json) ctx.ui.info('\napplying the safe fixes…');
    report = await fixAndRecheck(setup, report, {
      authfile,
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    for (const line of report.fixed) ctx.ui.info(`  ${line}`);
    if (report.fixed.length === 0) ctx.ui.info('  nothing qci can fix safely');
    if (!ctx.json) {
      const remains = (f: Finding) =>
        f.severity === 'error' || f.severity === 'warn';
      if (report.findings.some(remains)) {
        ctx.ui.info('what remains:');
        render(ctx, report, remains);
      } else ctx.ui.info('nothing remains');
    }
  }
  if (ctx.json)
    ctx.ui.json({
      ...reportJson(report),
      problems: problemCauses(report.findings).length,
    });
  else summary(ctx, report, options.fix === true);
  return report.healthy ? ExitCode.ok : ExitCode.failure;
}
