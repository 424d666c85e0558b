import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ExitCode, QciError, usageError } from '../../core/errors.js';
import type { FieldPath, PromotedImage, TargetSummary } from '../../core/promotion.js';
import { examples, type CommandContext, type Wrap } from '../context.js';

interface PromotedOptions {
  image?: string[];
  commit?: string;
  registry?: string;
}

interface FileFinding {
  /** The field the finding is about (promotion.to[0].name), or "" for the whole file. */
  field: string;
  line: number | null;
  message: string;
}

export interface PromotedFile {
  path: string;
  promoted: PromotedImage[];
  targets: TargetSummary[];
  problems: FileFinding[];
  warnings: FileFinding[];
}

export interface PromotedResult {
  files: PromotedFile[];
  summary: { configs: number; promoted: number; filesWithProblems: number; notConfigs: number };
}

/** What evaluating a config needs; loaded when the command runs, not at qci's start-up. */
interface Modules {
  yaml: typeof import('yaml');
  promotion: typeof import('../../core/promotion.js');
  walk: typeof import('../walk.js');
}

/** Reads and evaluates one config; never throws for anything the file contains. */
function evaluate(
  { yaml, promotion, walk: { errnoText } }: Modules,
  path: string,
  explicit: boolean,
  options: { commit?: string; pullHost: string },
): PromotedFile | 'not-a-config' {
  const file: PromotedFile = { path, promoted: [], targets: [], problems: [], warnings: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    file.problems.push({ field: '', line: null, message: `cannot read it: ${errnoText(error)}` });
    return file;
  }
  const lineCounter = new yaml.LineCounter();
  // YAML 1.1, as the Go YAML library ci-operator uses reads it (yes/no are booleans there too).
  const doc = yaml.parseDocument(text, { lineCounter, version: '1.1', prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    file.problems.push({
      field: '',
      line: lineCounter.linePos(syntax.pos[0]).line,
      message: `not valid YAML: ${syntax.message.split('\n')[0] ?? syntax.code}`,
    });
    return file;
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    file.problems.push({ field: '', line: null, message: `not usable YAML: ${error instanceof Error ? error.message : String(error)}` });
    return file;
  }
  if (!promotion.looksLikeCiOperatorConfig(data)) {
    if (!explicit) return 'not-a-config';
    file.problems.push({
      field: '',
      line: null,
      message: 'not a ci-operator config: none of images, promotion, build_root, tests or zz_generated_metadata at the top level',
    });
    return file;
  }
  const report = promotion.promotedImages(data, { ...options, sourcePath: path });
  const lineOf = (fieldPath: FieldPath): number | null => {
    // The deepest node that exists: a missing key is reported at the mapping that lacks it.
    for (let n = fieldPath.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(fieldPath.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
    return null;
  };
  const findings = (list: { path: FieldPath; message: string }[]) =>
    list.map((f) => ({ field: promotion.formatPath(f.path), line: lineOf(f.path), message: f.message }));
  file.promoted = report.promoted;
  file.targets = report.targets;
  file.problems = findings(report.problems);
  file.warnings = findings(report.warnings);
  return file;
}

export async function promotedAction(ctx: CommandContext, paths: string[], options: PromotedOptions): Promise<number> {
  const modules: Modules = { yaml: await import('yaml'), promotion: await import('../../core/promotion.js'), walk: await import('../walk.js') };
  if (options.commit !== undefined) {
    const problem = modules.promotion.commitProblem(options.commit);
    if (problem) throw usageError(`--commit: ${problem}`);
  }
  const { settings } = await ctx.settings({ registry: options.registry });
  const found = await modules.walk.walk(paths, {
    include: (name) => name.endsWith('.yaml') || name.endsWith('.yml'),
    gitignore: false,
    env: ctx.io.env,
    verbose: (line) => ctx.ui.verbose(line),
    warn: (line) => ctx.ui.warn(line),
  });
  for (const e of found.errors) ctx.ui.error(`${e.path}: ${e.message}`);
  for (const s of found.skipped) ctx.ui.verbose(`skipped ${s.path}: ${s.reason}`);

  const images = options.image ?? [];
  const result: PromotedResult = { files: [], summary: { configs: 0, promoted: 0, filesWithProblems: 0, notConfigs: 0 } };
  for (const path of [...found.files].sort()) {
    const file = evaluate(modules, path, found.explicit.has(path), {
      pullHost: settings.registry,
      ...(options.commit === undefined ? {} : { commit: options.commit }),
    });
    if (file === 'not-a-config') {
      result.summary.notConfigs++;
      ctx.ui.verbose(`skipped ${path}: not a ci-operator config`);
      continue;
    }
    result.summary.configs++;
    if (images.length > 0) file.promoted = file.promoted.filter((p) => images.includes(p.image));
    result.summary.promoted += file.promoted.length;
    if (file.problems.length > 0) result.summary.filesWithProblems++;
    if (images.length === 0 || file.promoted.length > 0 || file.problems.length > 0) result.files.push(file);
  }

  render(ctx, result, images);

  if (found.errors.length > 0 || result.summary.filesWithProblems > 0) return ExitCode.failure;
  if (result.summary.configs === 0) {
    ctx.ui.error(`no ci-operator config found in ${paths.join(', ')}`, 'give a config file, or a directory such as ci-operator/config/ORG/REPO of openshift/release');
    return ExitCode.notFound;
  }
  if (images.length > 0 && result.summary.promoted === 0) {
    ctx.ui.error(`no config here promotes an image named ${images.join(' or ')}`, 'the name is the image\'s "to" (or an additional_images key); run without --image to see them all');
    return ExitCode.notFound;
  }
  return ExitCode.ok;
}

function note(p: PromotedImage): string {
  if (p.placeholder) return '  (tag_by_commit: one tag per merged commit; pass --commit SHA to see it)';
  if (p.kind === 'build-cache') return '  (build cache: bin, for binary_build_commands)';
  if (p.kind === 'additional' && p.source !== p.image) return `  (additional_images: from ${p.source})`;
  return '';
}

function render(ctx: CommandContext, result: PromotedResult, images: string[]): void {
  const { ui } = ctx;
  for (const file of result.files) {
    const where = (f: FileFinding) => `${file.path}${f.line === null ? '' : `:${f.line}`}: ${f.field === '' ? '' : `${f.field}: `}${f.message}`;
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
    const width = Math.max(...file.promoted.map((p) => p.imageStreamTag.length));
    for (const p of file.promoted) ui.print(`  ${p.imageStreamTag.padEnd(width)}  →  ${p.pullSpec}${note(p)}`);
  }
  const s = result.summary;
  if (s.configs > 0) {
    const matching = result.files.filter((f) => f.promoted.length > 0).length;
    const by = images.length > 0 ? ` named ${images.join(' or ')}, promoted by ${matching} of` : ' promoted by';
    ui.info(
      `${s.promoted} image${s.promoted === 1 ? '' : 's'}${by} ${s.configs} config${s.configs === 1 ? '' : 's'}` +
        (s.filesWithProblems > 0 ? `; ${s.filesWithProblems} with problems (above)` : ''),
    );
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  if (value.trim() === '') throw new QciError('--image needs an image name', { exitCode: ExitCode.usage, kind: 'usage' });
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
    .option('--image <name>', 'only this promoted image (its "to", or an additional_images key); repeatable', collect)
    .option('--commit <sha>', 'the merged commit, for the tags tag_by_commit adds (default: a placeholder)')
    .option('--registry <host>', 'QCI pull host (env QCI_REGISTRY; default quay-proxy.ci.openshift.org)')
    .addHelpText(
      'after',
      examples([
        ['qci promoted ci-operator/config/openshift/my-repo', 'what the configs of a repository publish'],
        ['qci promoted --image my-component ci-operator/config/', 'where is my component published?'],
        ['qci promoted --commit $(git rev-parse HEAD) my-org-my-repo-main.yaml', 'with the tags tag_by_commit adds for that commit'],
        ["qci promoted --json ci-operator/config/ | jq -r '.files[].promoted[].pullSpec'", 'every pull spec, for scripts'],
      ]),
    )
    .action(wrap(promotedAction));
}
