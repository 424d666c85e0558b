import type { Command } from 'commander';
import { QciError } from '../../core/errors.js';
import type { AuthSetup } from '../../session/setup.js';
import { examples, type CommandContext, type Wrap } from '../context.js';
import { warmBeforeFirstProof } from '../warm.js';
import { referenceHint, warnPastedReferences } from '../reference-notes.js';
import {
  addSettingOptions,
  checkDockerTlsVerify,
  settingFlags,
  type SettingFlags,
} from '../setting-flags.js';

interface PullFlags extends SettingFlags {
  platform?: string;
  quiet?: boolean;
  login?: boolean;
  dryRun?: boolean;
  localName?: boolean;
  authfile?: string;
  ifStale?: boolean;
}

type Current = { input: string; pullSpec: string; imageId: string }[];

/**
 * --if-stale: the references whose local image is what QCI's tag points at, left out of the pull.
 * When QCI cannot be asked (no credential yet, say), everything is pulled, as without the flag.
 */
async function leaveOutCurrent(
  ctx: CommandContext,
  setup: AuthSetup,
  refs: string[],
): Promise<{ current: Current; toPull: string[] }> {
  const { currentOnes } = await import('../../session/images.js');
  try {
    const fresh = await currentOnes(setup, refs, {
      log: (line) => ctx.ui.verbose(line),
    });
    for (const c of fresh.current)
      ctx.ui.info(
        `${c.input}: current (QCI's tag still points at the local image); not pulling`,
      );
    return fresh;
  } catch (error) {
    if (!(error instanceof QciError)) throw error;
    ctx.ui.verbose(`--if-stale: ${error.message}; pulling`);
    return { current: [], toPull: refs };
  }
}

export async function pullAction(
  ctx: CommandContext,
  refs: string[],
  options: PullFlags,
): Promise<number> {
  await warmBeforeFirstProof(ctx, options);
  const [{ authSetup }, { pullImages }] = await Promise.all([
    import('../auth-setup.js'),
    import('../../session/pull.js'),
  ]);
  const resolved = await ctx.settings({
    ...settingFlags(options),
    platform: options.platform,
  });
  checkDockerTlsVerify(resolved, ctx.io.env, (line) => ctx.ui.verbose(line));
  const setup = authSetup(ctx, resolved);
  const host = setup.settings.registry;
  warnPastedReferences(ctx.ui, refs, host);
  const { current, toPull } = options.ifStale
    ? await leaveOutCurrent(ctx, setup, refs)
    : { current: [] as Current, toPull: refs };
  const pull = () =>
    pullImages(setup, toPull, {
      quiet: options.quiet === true,
      login: options.login !== false,
      dryRun: options.dryRun === true,
      localName: options.localName === true,
      authfile: options.authfile,
      terminal: ctx.io.stderr.isTTY === true,
      json: ctx.json,
      say: (line) => ctx.ui.info(line),
      warn: (line) => ctx.ui.warn(line),
    });
  let report: Awaited<ReturnType<typeof pull>>;
  try {
    report = await pull();
  } catch (error) {
    // No app.ci login at all: on a terminal, the browser login qci login offers, then the pull.
    const { offerWebLogin } = await import('./login.js');
    const code = await offerWebLogin(ctx, error, { ...options });
    if (code === undefined) throw error;
    if (code !== 0) return code;
    report = await pull();
  }
  if (current.length > 0) {
    report.results.push(
      ...current.map((c) => ({
        ...c,
        ok: true,
        localName: null,
        current: true,
        cause: null,
        message: null,
        hint: null,
        exitCode: 0,
      })),
    );
    report.results.sort(
      (a, b) => refs.indexOf(a.input) - refs.indexOf(b.input),
    );
  }
  for (const r of report.results) {
    if (r.ok) {
      if (r.imageId && !ctx.json) ctx.ui.print(r.imageId);
      if (r.localName && !options.dryRun)
        ctx.ui.info(`tagged ${r.pullSpec} as ${r.localName}`);
      continue;
    }
    if (r.cause === 'invalid-reference')
      ctx.ui.error(r.message ?? '', referenceHint(r.input, host, r.hint));
    else ctx.ui.error(`${r.input}: ${r.message}`, r.hint ?? undefined);
  }
  if (report.results.length > 1 && !options.dryRun) {
    const ok = report.results.filter((r) => r.ok).length;
    ctx.ui.info(
      `pulled ${ok} of ${report.results.length}${
        ok < report.results.length
          ? `; failed: ${report.results
              .filter((r) => !r.ok)
              .map((r) => r.input)
              .join(', ')}`
          : ''
      }`,
    );
  }
  if (ctx.json) ctx.ui.json(report);
  return report.exitCode;
}

export function registerPull(program: Command, wrap: Wrap): void {
  addSettingOptions(
    program
      .command('pull')
      .summary(
        'pull images from QCI by image stream tag, logging in when needed',
      )
      .description(
        'Pull each image from QCI: NS/NAME:TAG (or any form qci pullspec takes) becomes its QCI pull spec; ' +
          'if the engine would send no credential, or an expired one, qci logs in first (as qci login does); ' +
          'then it runs `podman pull --platform linux/amd64 PULLSPEC` with its progress shown live. ' +
          'A failure is explained in one sentence with the command that fixes it; an authentication failure ' +
          'is retried once after a fresh login.',
      )
      .argument('<ref...>', 'image references, e.g. ocp/4.7:my-component')
      .option(
        '--platform <os/arch>',
        'platform to pull (env QCI_PLATFORM; default linux/amd64)',
      )
      .option('-q, --quiet', "no progress output (the engine's -q)")
      .option('--no-login', 'never log in; just pull with what the engine has')
      .option(
        '--dry-run',
        'print the commands qci would run (secrets redacted) and run nothing',
      )
      .option(
        '--local-name',
        'also tag each pulled image as NS/NAME:TAG locally',
      )
      .option(
        '--authfile <path>',
        'auth file for the engine (podman --authfile)',
      )
      .option(
        '--if-stale',
        "pull only what is not already local as QCI's tag points at it now (podman's --pull=newer, for QCI)",
      ),
  )
    .addHelpText(
      'after',
      examples([
        [
          'qci pull ocp/4.7:my-component',
          'pull quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_my-component',
        ],
        [
          'qci pull --local-name ocp/4.7:cli',
          'and tag it localhost/ocp/4.7:cli',
        ],
        [
          'qci pull --platform linux/arm64 ocp/4.18:base-rhel9',
          'another platform',
        ],
        ['qci pull --dry-run ocp/4.7:cli', 'show what would run'],
        [
          'qci pull -q --if-stale ocp/4.7:cli',
          'in front of a script: pulls only when the tag has moved',
        ],
      ]),
    )
    .action(wrap(pullAction));
}
