/**
 * What `qci promoted` does once it runs, and how its results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/promoted.ts.
 */
import { ExitCode, usageError } from '../../core/errors.js';
import type { PromotedImage } from '../../core/promotion.js';
import type { FileFinding, PromotedResult } from '../../files/promoted.js';
import type { CommandContext } from '../context.js';

interface PromotedOptions {
  image?: string[];
  commit?: string;
  registry?: string;
}

export async function promotedAction(
  ctx: CommandContext,
  paths: string[],
  options: PromotedOptions,
): Promise<number> {
  const { commitProblem, runPromoted } = await import(
    '../../files/promoted.js'
  );
  if (options.commit !== undefined) {
    const problem = await commitProblem(options.commit);
    if (problem) throw usageError(`--commit: ${problem}`);
  }
  const { settings } = await ctx.settings({ registry: options.registry });
  const images = options.image ?? [];
  const { result, walk, notConfigs } = await runPromoted(paths, {
    images,
    commit: options.commit,
    pullHost: settings.registry,
    env: ctx.io.env,
    verbose: (line) => ctx.ui.verbose(line),
    warn: (line) => ctx.ui.warn(line),
  });
  for (const e of walk.errors) ctx.ui.error(`${e.path}: ${e.message}`);
  for (const s of walk.skipped)
    ctx.ui.verbose(`skipped ${s.path}: ${s.reason}`);
  for (const path of notConfigs)
    ctx.ui.verbose(`skipped ${path}: not a ci-operator config`);

  render(ctx, result, images);

  if (walk.errors.length > 0 || result.summary.filesWithProblems > 0)
    return ExitCode.failure;
  if (result.summary.configs === 0) {
    ctx.ui.error(
      `no ci-operator config found in ${paths.join(', ')}`,
      'give a config file, or a directory such as ci-operator/config/ORG/REPO of openshift/release',
    );
    return ExitCode.notFound;
  }
  if (images.length > 0 && result.summary.promoted === 0) {
    ctx.ui.error(
      `no config here promotes an image named ${images.join(' or ')}`,
      'the name is the image\'s "to" (or an additional_images key); run without --image to see them all',
    );
    return ExitCode.notFound;
  }
  return ExitCode.ok;
}

function note(p: PromotedImage): string {
  if (p.placeholder)
    return '  (tag_by_commit: one tag per merged commit; pass --commit SHA to see it)';
  if (p.kind === 'build-cache')
    return '  (build cache: bin, for binary_build_commands)';
  if (p.kind === 'additional' && p.source !== p.image)
    return `  (additional_images: from ${p.source})`;
  return '';
}

function render(
  ctx: CommandContext,
  result: PromotedResult,
  images: string[],
): void {
  const { ui } = ctx;
  for (const file of result.files) {
    const where = (f: FileFinding) =>
      `${file.path}${f.line === null ? '' : `:${f.line}`}: ${f.field === '' ? '' : `${f.field}: `}${f.message}`;
    for (const w of file.warnings) ui.warn(where(w));
    for (const p of file.problems) ui.error(where(p));
  }
  if (ctx.json) {
    ui.json(result);
    return;
  }
  let first = true;
  for (const file of result.files) {
    if (file.promoted.length === 0) continue;
    if (!first) ui.print('');
    first = false;
    ui.print(file.path);
    const width = Math.max(
      ...file.promoted.map((p) => p.imageStreamTag.length),
    );
    for (const p of file.promoted)
      ui.print(
        `  ${p.imageStreamTag.padEnd(width)}  →  ${p.pullSpec}${note(p)}`,
      );
  }
  const s = result.summary;
  if (s.configs > 0) {
    const matching = result.files.filter((f) => f.promoted.length > 0).length;
    const by =
      images.length > 0
        ? ` named ${images.join(' or ')}, promoted by ${matching} of`
        : ' promoted by';
    ui.info(
      `${s.promoted} image${s.promoted === 1 ? '' : 's'}${by} ${s.configs} config${s.configs === 1 ? '' : 's'}` +
        (s.filesWithProblems > 0
          ? `; ${s.filesWithProblems} with problems (above)`
          : ''),
    );
  }
}
