import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { escapeControl } from '../../core/escape.js';
// Type-only at start-up: the registry client and the engine runner load when the command runs.
import type { ImagesReport } from '../../session/images.js';
import type { PullReport } from '../../session/pull.js';
import type { AuthSetup } from '../../session/setup.js';
import { examples, type CommandContext, type Wrap } from '../context.js';
import {
  addSettingOptions,
  checkDockerTlsVerify,
  settingFlags,
  type SettingFlags,
} from '../setting-flags.js';
import { renderTable } from '../table.js';
import { timeoutFlag } from './inspect.js';

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
    (i.qciTag
      ? `(QCI tag ${i.qciTag})`
      : `@${i.pullSpec.split('@')[1]!.slice(0, 19)}…`);
  const rows = [...report.images]
    .sort((a, b) => name(a).localeCompare(name(b)))
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
    ctx.ui.width,
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

export function registerImages(program: Command, wrap: Wrap): void {
  addSettingOptions(
    program
      .command('images')
      .summary(
        "list local QCI images and whether QCI's tag still points at them",
      )
      .description(
        "List the QCI images in the engine's local store (podman, or docker with --engine docker): each with " +
          'its image stream tag, when it was built (neither podman nor docker records when an image was pulled), and its state: ' +
          "current (QCI's tag points at it), stale (the tag has moved; with when, from the registry's Last-Modified " +
          "or else the new image's created time, as it says), gone (QCI no longer has the tag), or pinned (pulled by digest; said when QCI no longer has that digest). " +
          'QCI is asked with manifest HEADs, concurrently over shared connections, with the credential the engine ' +
          'sends; no layer is downloaded. --pull-stale then pulls the stale ones as qci pull does.',
      )
      .option('--pull-stale', 'pull the images whose QCI tag has moved')
      .option(
        '--platform <os/arch>',
        'platform to pull with --pull-stale and to date a moved tag by (env QCI_PLATFORM; default linux/amd64)',
      )
      .option(
        '--timeout <seconds>',
        'give up on a request after this long (default 30)',
      ),
  )
    .addHelpText(
      'after',
      examples([
        ['qci images', 'every local QCI image: current, stale, gone or pinned'],
        ['qci images --pull-stale', 'and pull the stale ones'],
        ['qci images --engine docker --json', "docker's, as JSON"],
        [
          'qci images --json | jq -r \'.images[] | select(.state == "stale") | .pullSpec\'',
          'the stale pull specs',
        ],
      ]),
    )
    .action(wrap(imagesAction));
}
