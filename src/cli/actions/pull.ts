/**
 * What `qci pull` does once it runs, and how its results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/pull.ts.
 */
import { QciError } from '../../core/errors.js';
import type { AuthSetup } from '../../session/setup.js';
import type { CommandContext } from '../context.js';
import { warmBeforeFirstProof } from '../warm.js';
import { referenceHint, warnPastedReferences } from '../reference-notes.js';
import { settingFlags, type SettingFlags } from '../setting-flags.js';
import { checkDockerTlsVerify } from '../docker-tls.js';

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
        c.pullSpec.includes('@')
          ? `${c.input}: local already (a digest names one image); not pulling`
          : `${c.input}: current (QCI's tag still points at the local image); not pulling`,
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
