/**
 * qci promoted's work: find ci-operator configs under the given paths, read each (YAML 1.1, as ci-operator
 * reads it) and list what its promotion publishes, with problems located by line and field. Nothing is
 * printed here; the command renders the result.
 */
import { readFileSync } from 'node:fs';
import { messageOf } from '../core/errors.js';
import type {
  FieldPath,
  PromotedImage,
  TargetSummary,
} from '../core/promotion.js';
import type { WalkResult } from './walk.js';

export interface FileFinding {
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
  summary: {
    configs: number;
    promoted: number;
    filesWithProblems: number;
    notConfigs: number;
  };
}

/** What evaluating a config needs; loaded when the command runs, not at qci's start-up. */
interface Modules {
  yaml: typeof import('yaml');
  promotion: typeof import('../core/promotion.js');
  walk: typeof import('./walk.js');
}

/** Reads and evaluates one config; never throws for anything the file contains. */
function evaluate(
  { yaml, promotion, walk: { errnoText } }: Modules,
  path: string,
  explicit: boolean,
  options: { commit?: string; pullHost: string },
): PromotedFile | 'not-a-config' {
  const file: PromotedFile = {
    path,
    promoted: [],
    targets: [],
    problems: [],
    warnings: [],
  };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    file.problems.push({
      field: '',
      line: null,
      message: `cannot read it: ${errnoText(error)}`,
    });
    return file;
  }
  const lineCounter = new yaml.LineCounter();
  // YAML 1.1, as the Go YAML library ci-operator uses reads it (yes/no are booleans there too).
  const doc = yaml.parseDocument(text, {
    lineCounter,
    version: '1.1',
    prettyErrors: false,
  });
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
    file.problems.push({
      field: '',
      line: null,
      message: `not usable YAML: ${messageOf(error)}`,
    });
    return file;
  }
  if (!promotion.looksLikeCiOperatorConfig(data)) {
    if (!explicit) return 'not-a-config';
    file.problems.push({
      field: '',
      line: null,
      message:
        'not a ci-operator config: none of images, promotion, build_root, tests or zz_generated_metadata at the top level',
    });
    return file;
  }
  const report = promotion.promotedImages(data, {
    ...options,
    sourcePath: path,
  });
  const lineOf = (fieldPath: FieldPath): number | null => {
    // The deepest node that exists: a missing key is reported at the mapping that lacks it.
    for (let n = fieldPath.length; n >= 0; n--) {
      const node =
        n === 0 ? doc.contents : doc.getIn(fieldPath.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | undefined)
        ?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
    return null;
  };
  const findings = (list: { path: FieldPath; message: string }[]) =>
    list.map((f) => ({
      field: promotion.formatPath(f.path),
      line: lineOf(f.path),
      message: f.message,
    }));
  file.promoted = report.promoted;
  file.targets = report.targets;
  file.problems = findings(report.problems);
  file.warnings = findings(report.warnings);
  return file;
}

export interface PromotedRun {
  result: PromotedResult;
  /** Paths that could not be walked, and what was skipped (for --verbose). */
  walk: Pick<WalkResult, 'errors' | 'skipped'>;
  /** Files skipped because they are not ci-operator configs. */
  notConfigs: string[];
}

/** Checks --commit before anything is read; the problem in words, or null. */
export async function commitProblem(commit: string): Promise<string | null> {
  return (await import('../core/promotion.js')).commitProblem(commit);
}

export async function runPromoted(
  paths: string[],
  options: {
    images: string[];
    commit?: string | undefined;
    pullHost: string;
    env: Record<string, string | undefined>;
    verbose: (line: string) => void;
    warn: (line: string) => void;
  },
): Promise<PromotedRun> {
  const modules: Modules = {
    yaml: await import('yaml'),
    promotion: await import('../core/promotion.js'),
    walk: await import('./walk.js'),
  };
  const found = await modules.walk.walk(paths, {
    include: (name) => name.endsWith('.yaml') || name.endsWith('.yml'),
    gitignore: false,
    env: options.env,
    verbose: options.verbose,
    warn: options.warn,
  });
  const images = options.images;
  const notConfigs: string[] = [];
  const result: PromotedResult = {
    files: [],
    summary: { configs: 0, promoted: 0, filesWithProblems: 0, notConfigs: 0 },
  };
  for (const path of [...found.files].sort()) {
    const file = evaluate(modules, path, found.explicit.has(path), {
      pullHost: options.pullHost,
      ...(options.commit === undefined ? {} : { commit: options.commit }),
    });
    if (file === 'not-a-config') {
      result.summary.notConfigs++;
      notConfigs.push(path);
      continue;
    }
    result.summary.configs++;
    if (images.length > 0)
      file.promoted = file.promoted.filter((p) => images.includes(p.image));
    result.summary.promoted += file.promoted.length;
    if (file.problems.length > 0) result.summary.filesWithProblems++;
    if (
      images.length === 0 ||
      file.promoted.length > 0 ||
      file.problems.length > 0
    )
      result.files.push(file);
  }

  return {
    result,
    walk: { errors: found.errors, skipped: found.skipped },
    notConfigs,
  };
}
