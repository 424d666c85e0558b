/**
 * What `qci pull-secret` does once it runs, and how its results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/pull-secret.ts.
 */
import { ExitCode, usageError } from '../../core/errors.js';
import {
  DEFAULT_PULL_SECRET_SECONDS,
  describeChanges,
  parseServiceAccount,
} from '../../core/pull-secret.js';
import { tokenDuration } from '../../core/duration.js';
import {
  dns1123SubdomainProblem,
  projectProblem,
} from '../../core/registry-access.js';
import type { CommandContext } from '../context.js';
// Type-only here: the implementation (auth files, the kube client) loads when the command runs.
import type {
  FileOutcome,
  PullSecret,
  PullSecretRequest,
} from '../../session/pull-secret.js';
import type { Destination } from '../../session/pull-secret-run.js';
import type {
  ApplyOutcome,
  ApplyTarget,
} from '../../session/pull-secret-apply.js';
import type { PullSecretView } from '../../session/pull-secret-check.js';
import type { Ui } from '../ui.js';

export interface PullSecretFlags {
  output?: string;
  merge?: string;
  serviceAccount?: string;
  duration?: string;
  withAppCiRegistry?: boolean;
  apply?: boolean;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  name?: string;
  linkServiceAccount?: string;
  dryRun?: boolean;
  allowAppCi?: boolean;
  appCiContext?: string;
  registry?: string;
}

/** Where the pull secret goes, from the flags: checked before any token is asked for or minted. */
function destinationOf(
  ctx: CommandContext,
  o: PullSecretFlags,
  applyTarget: () => ApplyTarget,
): Destination {
  const chosen = [
    o.output !== undefined && '-o',
    o.merge !== undefined && '--merge',
    o.apply === true && '--apply',
  ].filter((x): x is string => typeof x === 'string');
  if (chosen.length > 1)
    throw usageError(`${chosen.join(' and ')} cannot be combined; pick one`);
  const applyOnly = [
    o.kubeconfig !== undefined && '--kubeconfig',
    o.context !== undefined && '--context',
    o.namespace !== undefined && '--namespace',
    o.name !== undefined && '--name',
    o.linkServiceAccount !== undefined && '--link-service-account',
    o.allowAppCi === true && '--allow-app-ci',
  ].filter((x): x is string => typeof x === 'string');
  if (o.apply !== true && applyOnly.length > 0)
    throw usageError(`${applyOnly.join(', ')} only go with --apply`);
  if (o.dryRun === true && o.apply !== true && o.merge === undefined)
    throw usageError('--dry-run goes with --apply or --merge');
  // `-o -` is standard output, as `-` is standard input to pullspec and job-image.
  if (o.output !== undefined && o.output !== '-')
    return { kind: 'file', path: o.output };
  if (o.merge === '-')
    throw usageError(
      '--merge takes the pull secret file to update; - (standard input) is not one',
    );
  if (o.merge !== undefined) return { kind: 'merge', path: o.merge };
  if (o.apply === true) return { kind: 'apply', target: applyTarget() };
  if (ctx.json)
    throw usageError(
      '--json reports where the pull secret went, never the secret: add -o FILE, --merge FILE or --apply',
    );
  if (ctx.io.stdout.isTTY === true)
    throw usageError('qci does not print a pull secret to a terminal', {
      hint: 'write it to a file: qci pull-secret -o pull-secret.json (mode 0600), or pipe it: qci pull-secret | …',
    });
  return { kind: 'stdout' };
}

/** Whose token: --service-account NAMESPACE/NAME (names and --duration checked), else the user's own. */
function requestOf(o: PullSecretFlags): PullSecretRequest {
  const withAppCiRegistry = o.withAppCiRegistry === true;
  if (o.serviceAccount === undefined) {
    if (o.duration !== undefined)
      throw usageError(
        '--duration goes with --service-account: your own token lives as long as app.ci lets it',
      );
    return { withAppCiRegistry };
  }
  const sa = parseServiceAccount(o.serviceAccount);
  if (!sa)
    throw usageError(
      `--service-account ${o.serviceAccount}: expected NAMESPACE/NAME, such as my-project/image-puller`,
    );
  const seconds =
    o.duration === undefined
      ? DEFAULT_PULL_SECRET_SECONDS
      : tokenDuration(o.duration);
  const problem =
    projectProblem(sa.project, '--service-account namespace') ??
    dns1123SubdomainProblem('--service-account name', sa.name);
  if (problem) throw usageError(problem, { kind: 'invalid-name' });
  return { serviceAccount: { ...sa, seconds }, withAppCiRegistry };
}

export async function pullSecretAction(
  ctx: CommandContext,
  options: PullSecretFlags,
): Promise<number> {
  const apply = await import('../../session/pull-secret-apply.js');
  const destination = destinationOf(ctx, options, () =>
    apply.checkApplyTarget(options),
  );
  const request = requestOf(options);
  const [{ authSetup }, { producePullSecret }] = await Promise.all([
    import('../auth-setup.js'),
    import('../../session/pull-secret-run.js'),
  ]);
  const setup = authSetup(
    ctx,
    await ctx.settings({
      context: options.appCiContext,
      registry: options.registry,
    }),
  );
  const dryRun = options.dryRun === true;
  const { secret, written } = await producePullSecret(
    setup,
    request,
    destination,
    { dryRun },
  );
  // Written directly, not through the Ui: the secret is the data here.
  if (destination.kind === 'stdout')
    ctx.io.stdout.write(`${JSON.stringify(secret.json)}\n`);
  if (ctx.json)
    ctx.ui.json({
      ...secret.facts,
      destination: destination.kind,
      dryRun,
      written,
    });
  say(ctx, secret, written, dryRun);
  return ExitCode.ok;
}

/** stderr: whose token, until when, where it went, and what changed (masked). */
function say(
  ctx: CommandContext,
  secret: PullSecret,
  written: FileOutcome | ApplyOutcome | null,
  dryRun: boolean,
): void {
  const { ui } = ctx;
  const f = secret.facts;
  const whose =
    f.source === 'service-account'
      ? `serviceaccount token (${f.subject})`
      : `${f.subject}'s app.ci token`;
  ui.info(
    `${ui.err.green('✓')} pull secret for ${f.registries.join(' and ')}: ${whose}, ${f.expiry ?? 'expiry unknown'}${f.expiresAt ? ` (${f.expiresAt})` : ''}`,
  );
  // What happened to which file or Secret, then each registry's entry (masked), then the rest.
  const [head, ...rest] = written ? headAndNotes(written, dryRun) : [];
  if (head) ui.info(`  ${head}`);
  for (const line of written ? describeChanges(written.changes) : [])
    ui.info(`    ${line}`);
  for (const note of rest) ui.info(`  ${note}`);
  for (const warning of f.warnings) ui.warn(warning);
  if (written && 'warnings' in written)
    for (const warning of written.warnings) ui.warn(warning);
}

function headAndNotes(
  written: FileOutcome | ApplyOutcome,
  dryRun: boolean,
): string[] {
  if ('notes' in written) return written.notes;
  const verb = dryRun
    ? 'would change'
    : written.created
      ? 'wrote'
      : written.changed
        ? 'updated'
        : 'unchanged:';
  return [
    `${verb} ${written.path}${dryRun ? '' : ' (mode 0600)'}`,
    ...(written.backupPath ? [`backup: ${written.backupPath}`] : []),
    ...(dryRun ? ['--dry-run: nothing was changed'] : []),
  ];
}

/**
 * whoami's and doctor's line about a pull secret given as --authfile: which registries it holds, whose
 * token its QCI entry holds, and when that expires; with the command that renews it when that is near.
 */
export function pullSecretLine(
  view: PullSecretView,
  ui: Pick<Ui, 'out'>,
): { text: string; fix: string | null } {
  const c = ui.out;
  const expired = view.expiry?.startsWith('expired') === true;
  const mark = expired
    ? c.red('✗')
    : view.expiresSoon
      ? c.yellow('!')
      : view.expiry
        ? c.green('✓')
        : c.blue('i');
  const shown = view.registries.slice(0, 4).join(', ');
  const more = view.registries.length > 4 ? ', …' : '';
  const whose = view.owner
    ? `${view.owner}'s token${view.ownerFrom === 'stored user name' ? ' (by its stored user name)' : ''}`
    : 'a token of unknown owner';
  return {
    text: `${mark} a pull secret for ${view.registries.length} registries (${shown}${more}); ${view.key} holds ${whose}, ${view.expiry ?? 'expiry unknown'}`,
    fix: expired || view.expiresSoon ? view.renew : null,
  };
}
