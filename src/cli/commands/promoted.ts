import type { Command } from 'commander';
import { ExitCode, QciError, usageError } from '../../core/errors.js';
import type { PromotedImage } from '../../core/promotion.js';
import type { FileFinding, PromotedResult } from '../../files/promoted.js';
import { examples, type CommandContext, type Wrap } from '../context.js';

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

function collect(value: string, previous: string[] | undefined): string[] {
  if (value.trim() === '')
    throw new QciError('--image needs an image name', {
      kind: 'usage',
    });
  return [...(previous ?? []), value];
}

export function registerPromoted(program: Command, wrap: Wrap): void {
  program
    .command('promoted')
    .summary('list the QCI pull specs a ci-operator config publishes')
    .description(
      [
        'For each ci-operator config, list the image stream tags its promotion',
        'publishes and their QCI pull specs:',
        '  NS/NAME:TAG  →  quay-proxy.ci.openshift.org/openshift/ci:NS_NAME_TAG',
        '',
        'PATH is a config file, or a directory searched for *.yaml and *.yml configs,',
        'such as ci-operator/config/ of an openshift/release checkout. All of',
        "ci-operator's promotion rules apply: name and tag targets, several targets,",
        'disabled, excluded_images (and "*"), additional_images, optional images,',
        'tag_by_commit, the build cache of bin, both forms of images, and the older',
        'single-target form of promotion.',
        '',
        'Problems are reported per file on stderr, with the line and the field, and',
        'never stop the other files: YAML that does not parse, a target without a',
        'namespace, both or neither of name and tag, a field of the wrong type, and',
        'a QCI tag over 128 characters (it cannot exist in QCI).',
        '',
        'Exit codes: 0 listed; 1 a config has problems (the rest is still listed);',
        '2 usage error (a bad --commit); 5 a PATH that does not exist, no ci-operator',
        'config found, or --image matched nothing.',
      ].join('\n'),
    )
    .argument('<path...>', 'ci-operator config files or directories')
    .option(
      '--image <name>',
      'only this promoted image (its "to", or an additional_images key); repeatable',
      collect,
    )
    .option(
      '--commit <sha>',
      'the merged commit, for the tags tag_by_commit adds (default: a placeholder)',
    )
    .option(
      '--registry <host>',
      'QCI pull host (env QCI_REGISTRY; default quay-proxy.ci.openshift.org)',
    )
    .addHelpText(
      'after',
      examples([
        [
          'qci promoted ci-operator/config/openshift/my-repo',
          'what the configs of a repository publish',
        ],
        [
          'qci promoted --image my-component ci-operator/config/',
          'where is my component published?',
        ],
        [
          'qci promoted --commit $(git rev-parse HEAD) my-org-my-repo-main.yaml',
          'with the tags tag_by_commit adds for that commit',
        ],
        [
          "qci promoted --json ci-operator/config/ | jq -r '.files[].promoted[].pullSpec'",
          'every pull spec, for scripts',
        ],
      ]),
    )
    .action(wrap(promotedAction));
}
