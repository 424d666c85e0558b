/**
 * What `qci images` does once it runs, and how its results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/images.ts.
 */
import { ExitCode } from '../../core/errors.js';
import { escapeControl } from '../../core/escape.js';
// Type-only here: the registry client and the engine runner load when the command runs.
import type { ImagesReport } from '../../session/images.js';
import type { PullReport } from '../../session/pull.js';
import type { AuthSetup } from '../../session/setup.js';
import type { CommandContext } from '../context.js';
import { settingFlags, type SettingFlags } from '../setting-flags.js';
import { renderTable } from '../table.js';
import { timeoutFlag } from './inspect.js';
import { checkDockerTlsVerify } from '../docker-tls.js';

interface ImagesFlags extends SettingFlags {
  pullStale?: boolean;
  platform?: string;
  timeout?: string;
}

async function render(ctx: CommandContext, report: ImagesReport) {
  const { describeAge, describeState } = await import('../../core/images.js');
  const now = new Date();
  if (report.images.length === 0) {
    ctx.ui.info(`${report.engine} has no image from ${report.registry}`);
    return;
  }
  const e = escapeControl;
  // A pinned image by its short digest; the full pull spec is in --json.
  const name = (i: ImagesReport['images'][number]) =>
    i.imageStreamTag ??
    (i.qciTag ? `(QCI tag ${i.qciTag})` : `@${i.reference.slice(0, 19)}…`);
  // Ordinal order: localeCompare's first call loads ICU's collation (~9 ms, after the last answer).
  const rows = [...report.images]
    .sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0))
    .map((i) => [
      e(name(i)),
      i.imageId.slice(0, 12),
      describeAge(i, now),
      describeState(i, now),
    ]);
  for (const line of renderTable(
    ['image stream tag', 'image id', 'age', 'state'],
    rows,
    (s) => ctx.ui.out.bold(s),
    ctx.ui.tableWidth,
  ))
    ctx.ui.print(line);
}

/** --pull-stale: qci pull of each stale tag, said as it goes. */
async function pullStale(
  ctx: CommandContext,
  setup: AuthSetup,
  stale: ImagesReport['images'],
): Promise<PullReport> {
  const { pullImages } = await import('../../session/pull.js');
  const pulled = await pullImages(
    setup,
    [...new Set(stale.map((i) => i.pullSpec))],
    {
      quiet: true,
      login: true,
      dryRun: false,
      localName: false,
      // The engine's image-ID lines go to stderr: stdout is the table (or the JSON) alone.
      json: true,
      say: (line) => ctx.ui.info(line),
      warn: (line) => ctx.ui.warn(line),
    },
  );
  if (!ctx.json)
    for (const r of pulled.results)
      if (r.ok) ctx.ui.info(`pulled ${r.pullSpec}`);
      else ctx.ui.error(`${r.input}: ${r.message}`, r.hint ?? undefined);
  return pulled;
}

export async function imagesAction(
  ctx: CommandContext,
  options: ImagesFlags,
): Promise<number> {
  const timeoutMs = timeoutFlag(options.timeout);
  const [{ authSetup }, { listQciImages }] = await Promise.all([
    import('../auth-setup.js'),
    import('../../session/images.js'),
  ]);
  const resolved = await ctx.settings({
    ...settingFlags(options),
    platform: options.platform,
  });
  const setup = authSetup(ctx, resolved);
  const report = await listQciImages(setup, {
    timeoutMs,
    log: (line) => ctx.ui.verbose(line),
  });
  const stale = report.images.filter((i) => i.state === 'stale');
  let pulled: PullReport | null = null;
  let shown = report;
  if (options.pullStale && stale.length > 0) {
    checkDockerTlsVerify(resolved, ctx.io.env, (line) => ctx.ui.verbose(line));
    pulled = await pullStale(ctx, setup, stale);
    // What the store holds now, asked again (the pulled images are new images).
    shown = await listQciImages(setup, {
      timeoutMs,
      log: (line) => ctx.ui.verbose(line),
    });
  }
  if (ctx.json) ctx.ui.json({ ...shown, pulled });
  else await render(ctx, shown);
  if (stale.length > 0 && !ctx.json && !options.pullStale)
    ctx.ui.info(
      `${stale.length} stale: qci images --pull-stale pulls what QCI's tags point at now`,
    );
  return pulled?.exitCode ?? ExitCode.ok;
}
