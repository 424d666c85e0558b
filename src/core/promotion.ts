/**
 * Which QCI tags a ci-operator config publishes (after ci-tools pkg/steps/release/promote.go).
 *
 * Per promotion target: disabled → nothing; start from every non-optional image (dst = its `to`);
 * `excluded_images: ['*']` clears them, else removes those listed; then add `additional_images`
 * (dst: source pipeline tag). Each dst becomes NS/NAME:dst when the target sets `name`, else NS/dst:TAG;
 * with `tag_by_commit` also NS/dst:<commit>. With `binary_build_commands` and no
 * `promotion.disable_build_cache: true`, `bin` also goes to build-cache/<org>-<repo>:<branch>[-<variant>].
 *
 * Pure: takes the parsed YAML (plain data) and returns findings with the field path they are about.
 */
import {
  MAX_TAG_LENGTH,
  QCI_PROXY_HOST,
  ReferenceError,
  formatImageStreamTag,
  nameProblem,
  namespaceProblem,
  parseReference,
  pullSpecFor,
  qciTagFor,
  tagProblem,
  upperCaseNote,
  type ImageStreamTag,
} from './reference.js';
import {
  type FieldPath,
  type Finding,
  type Image,
  type Metadata,
  type Promotion,
  type Target,
  check,
  configSchema,
  isMapping,
  metadataSchema,
  promotionSchema,
  readImages,
  targetSchema,
  targetShape,
} from './promotion-config.js';

export type { FieldPath, Finding } from './promotion-config.js';

export type PromotionKind =
  /** an entry of `images` */
  | 'image'
  /** an entry of a target's `additional_images` */
  | 'additional'
  /** the extra NS/dst:<commit> tag of `tag_by_commit` */
  | 'commit'
  /** `bin` promoted to build-cache/<org>-<repo>:<branch> */
  | 'build-cache';

export interface PromotedImage {
  /** NS/NAME:TAG as ci-operator writes it; the tag is COMMIT_PLACEHOLDER when the commit is not known. */
  imageStreamTag: string;
  namespace: string;
  name: string;
  tag: string;
  /** The promoted name (an image's `to`, or an `additional_images` key); `bin` for the build cache. */
  image: string;
  /** The pipeline tag the image is copied from. */
  source: string;
  kind: PromotionKind;
  /** Index into the promotion targets (`promotion.to`), or null for the build cache. */
  target: number | null;
  qciTag: string;
  pullSpec: string;
  /** True when the tag is COMMIT_PLACEHOLDER (tag_by_commit without a commit given). */
  placeholder: boolean;
}

export interface TargetSummary {
  index: number;
  /** Where the target sits in the config: promotion.to[i], or promotion for the older single-target form. */
  path: string;
  namespace: string | null;
  name: string | null;
  tag: string | null;
  disabled: boolean;
  promoted: number;
}

export interface PromotionReport {
  promoted: PromotedImage[];
  targets: TargetSummary[];
  /** The config is wrong here; what it would publish there is skipped. */
  problems: Finding[];
  /** Worth knowing, not wrong. */
  warnings: Finding[];
}

export interface PromotionOptions {
  /** The commit a tag_by_commit target tags by; without it a placeholder is shown. */
  commit?: string;
  pullHost?: string;
  /** The config's file path, to infer org/repo/branch when zz_generated_metadata is missing. */
  sourcePath?: string;
}

export const COMMIT_PLACEHOLDER = '<commit-sha>';
/** A full git commit id: what ci-operator tags by (refs.BaseSHA). */
const COMMIT_LENGTH = 40;
/** Pruning copies are <YYYYMMDDhhmmss>_prune_NS_NAME_TAG: 21 characters more (openshift/release hack/qci_registry_pruner.py). */
const PRUNE_PREFIX_LENGTH = 21;

/** Keys only ci-operator configs have at the top level; used to tell configs from other YAML in a tree. */
const CONFIG_KEYS = [
  'build_root',
  'images',
  'promotion',
  'tests',
  'zz_generated_metadata',
  'base_images',
  'binary_build_commands',
  'releases',
  'raw_steps',
];

export function looksLikeCiOperatorConfig(data: unknown): boolean {
  return isMapping(data) && CONFIG_KEYS.some((key) => key in data);
}

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path)
    out +=
      typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

/**
 * openshift/release keeps configs at ci-operator/config/ORG/REPO/ORG-REPO-BRANCH[__VARIANT].yaml,
 * which names the same metadata zz_generated_metadata would.
 */
export function metadataFromPath(path: string): Metadata | null {
  const parts = path.split(/[\\/]/);
  const file = parts.at(-1) ?? '';
  const repo = parts.at(-2);
  const org = parts.at(-3);
  if (!org || !repo) return null;
  const base = file.replace(/\.ya?ml$/, '');
  const prefix = `${org}-${repo}-`;
  if (base === file || !base.startsWith(prefix)) return null;
  const rest = base.slice(prefix.length);
  const [branch, variant] = rest.split('__', 2);
  if (!branch) return null;
  return { org, repo, branch, variant: variant || undefined };
}

/** What one ci-operator config promotes to QCI. Never throws on bad input: it reports it. */
export function promotedImages(
  config: unknown,
  options: PromotionOptions = {},
): PromotionReport {
  const pullHost = options.pullHost ?? QCI_PROXY_HOST;
  const problems: Finding[] = [];
  const warnings: Finding[] = [];
  const promoted: PromotedImage[] = [];
  const targets: TargetSummary[] = [];
  const report = { promoted, targets, problems, warnings };

  const top = check(configSchema, config, [], problems);
  if (!top) return report;
  if (top.promotion === undefined || top.promotion === null) return report;
  const images = readImages(top.images, problems);
  const promotion = check(
    promotionSchema,
    top.promotion,
    ['promotion'],
    problems,
  );
  if (!promotion) return report;

  targetsOf(promotion, top.binary_build_commands, report).forEach(
    ({ value, path }, index) => {
      const target = check(targetSchema, value, path, problems);
      if (!target) return;
      const summary: TargetSummary = {
        index,
        path: formatPath(path),
        namespace: target.namespace ?? null,
        name: target.name ?? null,
        tag: target.tag ?? null,
        disabled: target.disabled === true,
        promoted: 0,
      };
      targets.push(summary);
      if (target.disabled === true) return;
      const before = promoted.length;
      promoteTarget(
        target,
        index,
        path,
        images,
        { ...options, pullHost },
        report,
      );
      summary.promoted = promoted.length - before;
    },
  );

  if (top.binary_build_commands && promotion.disable_build_cache !== true) {
    buildCache(top.zz_generated_metadata, options.sourcePath, pullHost, report);
  }

  promoted.splice(0, promoted.length, ...uniqueByTag(promoted));
  return report;
}

/** One line per tag even when two targets publish the same one; sorted as ci-tools sorts them. */
function uniqueByTag(promoted: PromotedImage[]): PromotedImage[] {
  const seen = new Set<string>();
  const unique = promoted.filter(
    (p) => !seen.has(p.imageStreamTag) && seen.add(p.imageStreamTag),
  );
  unique.sort((a, b) =>
    a.imageStreamTag < b.imageStreamTag
      ? -1
      : a.imageStreamTag > b.imageStreamTag
        ? 1
        : 0,
  );
  return unique;
}

/** Targets: promotion.to, or the older form with one target's fields directly under promotion. */
function targetsOf(
  promotion: Promotion,
  binaryBuildCommands: string | null | undefined,
  { problems, warnings }: PromotionReport,
): { value: unknown; path: FieldPath }[] {
  const legacyKeys = (
    Object.keys(targetShape) as (keyof typeof targetShape)[]
  ).filter((key) => promotion[key] !== undefined && promotion[key] !== null);
  const rawTargets: { value: unknown; path: FieldPath }[] = [];
  if (promotion.to !== undefined && promotion.to !== null) {
    for (const [index, value] of promotion.to.entries()) {
      rawTargets.push({ value, path: ['promotion', 'to', index] });
    }
    for (const key of legacyKeys) {
      warnings.push({
        path: ['promotion', key],
        message:
          'ignored: promotion.to is set, and ci-operator reads only the targets listed there',
      });
    }
  } else if (legacyKeys.length > 0) {
    rawTargets.push({
      value: Object.fromEntries(legacyKeys.map((key) => [key, promotion[key]])),
      path: ['promotion'],
    });
  } else if (!(binaryBuildCommands && promotion.disable_build_cache !== true)) {
    problems.push({
      path: ['promotion'],
      message:
        'no promotion target: add promotion.to with a namespace and a name or tag',
    });
  }
  return rawTargets;
}

/** Where a target publishes: NS/NAME:<image> (name) or NS/<image>:TAG (tag). */
interface Destination {
  namespace: string;
  name: string | null;
  tag: string | null;
}

/** What a promoted name (dst) is copied from, and the field that names it. */
interface Source {
  source: string;
  kind: PromotionKind;
  path: FieldPath;
}
type Sources = Map<string, Source>;

/** The tags one target publishes: its destination, then each promoted name as a tag (and a commit tag). */
function promoteTarget(
  target: Target,
  index: number,
  path: FieldPath,
  images: Image[],
  options: PromotionOptions & { pullHost: string },
  report: PromotionReport,
): void {
  const destination = targetDestination(target, path, report.problems);
  if (!destination) return;
  const sources = promotedNames(target, path, images, report.warnings);
  for (const [dst, from] of sources)
    publishName(
      dst,
      from,
      { target, index, path, destination },
      options,
      report,
    );
}

/** The target's namespace and its name or tag (exactly one), checked; null when a problem is recorded. */
function targetDestination(
  target: Target,
  path: FieldPath,
  problems: Finding[],
): Destination | null {
  const namespace = target.namespace;
  if (namespace === undefined || namespace === null || namespace === '') {
    problems.push({
      path: [...path, 'namespace'],
      message:
        'missing: a promotion target needs the namespace it publishes to',
    });
    return null;
  }
  const nsProblem = namespaceProblem(namespace);
  if (nsProblem) {
    problems.push({ path: [...path, 'namespace'], message: nsProblem });
    return null;
  }
  const name = target.name || null;
  const tag = target.tag || null;
  if (name !== null && tag !== null) {
    problems.push({
      path,
      message: `sets both name ("${name}") and tag ("${tag}"): set name to publish NS/NAME:<image>, or tag to publish NS/<image>:TAG, not both`,
    });
    return null;
  }
  if (name === null && tag === null) {
    problems.push({
      path,
      message:
        'sets neither name nor tag: set name to publish NS/NAME:<image>, or tag to publish NS/<image>:TAG',
    });
    return null;
  }
  const problem = name !== null ? nameProblem(name) : tagProblem(tag!);
  if (problem) {
    problems.push({
      path: [...path, name !== null ? 'name' : 'tag'],
      message: problem,
    });
    return null;
  }
  return { namespace, name, tag };
}

/**
 * The names a target promotes, in config order: every non-optional image (dst = its `to`), all cleared
 * by `excluded_images: ['*']` or less those listed, then `additional_images`. A Map keeps the last source
 * for a repeated dst, as ci-tools does.
 */
function promotedNames(
  target: Target,
  path: FieldPath,
  images: Image[],
  warnings: Finding[],
): Sources {
  const dsts: Sources = new Map();
  for (const image of images)
    if (!image.optional)
      dsts.set(image.to, { source: image.to, kind: 'image', path: image.path });
  const excluded = target.excluded_images ?? [];
  if (excluded.includes('*')) dsts.clear();
  else {
    excluded.forEach((image, i) => {
      if (!dsts.delete(image) && !images.some((x) => x.to === image)) {
        warnings.push({
          path: [...path, 'excluded_images', i],
          message: `"${image}" is not an image this config builds`,
        });
      }
    });
  }
  for (const [dst, source] of Object.entries(target.additional_images ?? {})) {
    dsts.set(dst, {
      source,
      kind: 'additional',
      path: [...path, 'additional_images', dst],
    });
  }
  return dsts;
}

/** One promoted name: NS/NAME:dst or NS/dst:TAG, and with tag_by_commit also NS/dst:<commit>. */
function publishName(
  dst: string,
  from: Source,
  at: {
    target: Target;
    index: number;
    path: FieldPath;
    destination: Destination;
  },
  options: PromotionOptions & { pullHost: string },
  report: PromotionReport,
): void {
  const { problems } = report;
  const { target, index, path } = at;
  const { namespace, name, tag } = at.destination;
  // The promoted name is the tag (name mode) or the image stream name (tag mode): check it as that.
  const problem = name !== null ? tagProblem(dst) : nameProblem(dst);
  if (problem) {
    problems.push({
      path: from.path,
      message: `"${dst}" cannot be promoted to ${formatPath(path)} (${name !== null ? `it becomes the tag of ${namespace}/${name}` : `it becomes an image stream name in ${namespace}`}): ${problem}`,
    });
    return;
  }
  const ist =
    name !== null
      ? { namespace, name, tag: dst }
      : { namespace, name: dst, tag: tag! };
  add(
    ist,
    { image: dst, source: from.source, kind: from.kind, target: index },
    from.path,
    options.pullHost,
    report,
  );
  if (target.tag_by_commit !== true) return;
  const commitIst = {
    namespace,
    name: dst,
    tag: options.commit ?? COMMIT_PLACEHOLDER,
  };
  if (name !== null) {
    const nm = nameProblem(dst);
    if (nm) {
      problems.push({
        path: from.path,
        message: `"${dst}" cannot be tagged by commit (it becomes an image stream name in ${namespace}): ${nm}`,
      });
      return;
    }
  }
  add(
    commitIst,
    { image: dst, source: from.source, kind: 'commit', target: index },
    [...path, 'tag_by_commit'],
    options.pullHost,
    report,
  );
}

function buildCache(
  rawMetadata: unknown,
  sourcePath: string | undefined,
  pullHost: string,
  report: PromotionReport,
): void {
  let metadata: Metadata | null = null;
  if (rawMetadata !== undefined && rawMetadata !== null) {
    metadata =
      check(
        metadataSchema,
        rawMetadata,
        ['zz_generated_metadata'],
        report.problems,
      ) ?? null;
    if (!metadata) return;
  } else if (sourcePath !== undefined) {
    metadata = metadataFromPath(sourcePath);
  }
  if (!metadata) {
    report.problems.push({
      path: ['binary_build_commands'],
      message:
        'ci-operator also promotes bin to build-cache/<org>-<repo>:<branch>, but zz_generated_metadata is missing and the file name ' +
        'is not ORG-REPO-BRANCH.yaml under ORG/REPO/, so its name is unknown',
    });
    return;
  }
  const tag = metadata.variant
    ? `${metadata.branch}-${metadata.variant}`
    : metadata.branch;
  const ist = {
    namespace: 'build-cache',
    name: `${metadata.org}-${metadata.repo}`,
    tag,
  };
  add(
    ist,
    { image: 'bin', source: 'bin', kind: 'build-cache', target: null },
    ['binary_build_commands'],
    pullHost,
    report,
  );
}

function add(
  ist: ImageStreamTag,
  what: Pick<PromotedImage, 'image' | 'source' | 'kind' | 'target'>,
  path: FieldPath,
  pullHost: string,
  report: PromotionReport,
): void {
  const placeholder = ist.tag === COMMIT_PLACEHOLDER;
  // Validate with a real-length commit id in place of the placeholder, so the length check still bites.
  const checked = placeholder
    ? { ...ist, tag: 'f'.repeat(COMMIT_LENGTH) }
    : ist;
  const shown = formatImageStreamTag(ist);
  let qciTag: string;
  try {
    parseReference(formatImageStreamTag(checked));
    // What promotion pushes (ci-tools pkg/api/promotion.go QuayImage), a "-quay" stream's name included.
    qciTag = qciTagFor(checked);
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const why =
      error.part === 'qci-tag'
        ? `its QCI tag ${qciTagFor(ist)} is ${qciTagFor(checked).length} characters${placeholder ? ` with a ${COMMIT_LENGTH}-character commit` : ''}; ` +
          `a tag is at most ${MAX_TAG_LENGTH}, so this image cannot be published to QCI (ci-operator does not check this)`
        : error.message;
    report.problems.push({ path, message: `${shown}: ${why}` });
    return;
  }
  if (placeholder) qciTag = qciTagFor(ist);
  const upper = upperCaseNote(ist);
  if (upper) report.warnings.push({ path, message: `${shown}: ${upper}` });
  const length = placeholder ? qciTagFor(checked).length : qciTag.length;
  if (length + PRUNE_PREFIX_LENGTH > MAX_TAG_LENGTH) {
    report.warnings.push({
      path,
      message:
        `${shown}: its QCI tag is ${length} characters, so the pruning copy <timestamp>_prune_${qciTagFor(ist)} would be ` +
        `${length + PRUNE_PREFIX_LENGTH}, over ${MAX_TAG_LENGTH}; that copy cannot be made`,
    });
  }
  report.promoted.push({
    imageStreamTag: shown,
    namespace: ist.namespace,
    name: ist.name,
    tag: ist.tag,
    ...what,
    qciTag,
    pullSpec: pullSpecFor(
      {
        input: shown,
        kind: 'imagestreamtag',
        imageStreamTag: ist,
        candidates: [ist],
        qciTag,
        digest: null,
        warnings: [],
      },
      pullHost,
    ),
    placeholder,
  });
}

/** Why `value` is not a commit id ci-operator would tag by (the full id, as git rev-parse prints it), or null. */
export function commitProblem(value: string): string | null {
  if (/^[0-9a-f]{40}$/.test(value) || /^[0-9a-f]{64}$/.test(value)) return null;
  if (/^[0-9a-fA-F]{4,39}$/.test(value)) {
    return `"${value}" is an abbreviated commit id; tag_by_commit tags by the full one: use $(git rev-parse ${value})`;
  }
  return `"${value}" is not a commit id (40 lowercase hex digits, as git rev-parse prints it)`;
}
