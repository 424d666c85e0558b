import { Option, type Command } from 'commander';
import { formatBytes } from '../../core/bytes.js';
import { ExitCode, usageError } from '../../core/errors.js';
import type { ResolvedSettings } from '../../core/settings.js';
import { examples, type CommandContext, type Wrap } from '../context.js';
// Type-only at start-up: the reader (and node:https, node:zlib behind it) loads when the command runs.
import type { JobImage } from '../../core/joblog-image.js';
import { escapeControl } from '../../core/escape.js';

declare const QCI_VERSION: string;

const impl = () => import('../../joblog/find.js');
const coreImpl = () => import('../../core/joblog-image.js');

interface JobImageOptions {
  tag: string;
  cluster?: string;
  timeout?: string;
  maxBytes?: string;
  maxRedirects?: string;
  gcsBaseUrl?: string;
  prowBaseUrl?: string;
  pull?: boolean;
  list?: boolean;
  quiet?: boolean;
  platform?: string;
  engine?: string;
  farmRegistry?: string;
}

/** The human report, on stderr: stdout holds only the pull spec. */
function renderReport(ctx: CommandContext, image: JobImage): void {
  const { ui } = ctx;
  const dim = ui.err.dim;
  // The values come from the job's log: escaped, so a log line cannot drive the terminal.
  const row = (label: string, value: string, note?: string) =>
    ui.info(
      `${label.padEnd(10)}  ${escapeControl(value)}${note ? `  ${dim(`(${escapeControl(note)})`)}` : ''}`,
    );

  row(
    'namespace',
    image.namespace,
    image.loggedAt ? `logged ${image.loggedAt}` : undefined,
  );
  if (image.cluster) {
    const from =
      image.clusterFrom === 'console host'
        ? `from ${image.consoleHost}`
        : 'from --cluster';
    row('build farm', image.cluster, from);
  } else {
    row(
      'build farm',
      'unknown',
      image.consoleHost
        ? `${image.consoleHost} is not a known console`
        : 'the line names no console host',
    );
  }
  row('registry', image.registry ?? '-');
  if (image.pullSpec) row('pull spec', image.pullSpec);

  const log = image.log;
  const tried = log.attempts
    .map((a) => `${a.label} answered ${a.status}`)
    .join(', ');
  const readNote = [
    log.fallback ?? null,
    log.bucket ? `bucket ${log.bucket}` : null,
    tried || null,
    `read ${formatBytes(log.bytesRead)}`,
  ]
    .filter(Boolean)
    .join('; ');
  row('log', log.location, readNote);
  if (image.job?.name)
    row(
      'job',
      `${image.job.name}${image.job.buildId ? ` #${image.job.buildId}` : ''}`,
      image.job.pr !== null ? `PR ${image.job.pr}` : undefined,
    );
  if (image.freshness.state !== 'expired')
    row('freshness', image.freshness.detail);
  // vsphere02's note is also a warning: say it once.
  if (image.access && !image.warnings.includes(image.access))
    row('to pull', image.access);
  for (const warning of image.warnings) ui.warn(warning);
}

export async function jobImageAction(
  ctx: CommandContext,
  source: string,
  options: JobImageOptions,
): Promise<number> {
  const resolved = await ctx.settings({
    jobLogTimeout: options.timeout,
    jobLogMaxBytes: options.maxBytes,
    jobLogMaxRedirects: options.maxRedirects,
    gcsBaseUrl: options.gcsBaseUrl,
    prowBaseUrl: options.prowBaseUrl,
    platform: options.platform,
    engine: options.engine,
  });
  if (options.pull && options.list)
    throw usageError(
      '--pull and --list do not go together: list first, then pull with --tag',
    );
  const { settings } = resolved;
  const [{ findJobImage }, { missingPullSpecError }] = await Promise.all([
    impl(),
    coreImpl(),
  ]);
  const image = await findJobImage(source, () => ctx.io.stdin, {
    tag: options.tag,
    cluster: options.cluster,
    timeoutMs: settings.jobLogTimeout * 1000,
    maxBytes: settings.jobLogMaxBytes,
    maxRedirects: settings.jobLogMaxRedirects,
    gcsBaseUrl: settings.gcsBaseUrl,
    prowBaseUrl: settings.prowBaseUrl,
    userAgent: `qci/${QCI_VERSION}`,
    trace: (message) => ctx.ui.verbose(message),
    notice: (message) => ctx.ui.info(message),
  });
  const missing = missingPullSpecError(image);
  if (!missing && (options.pull || options.list))
    return farmAction(ctx, image, resolved, options);
  if (ctx.json) {
    ctx.ui.json(
      missing
        ? {
            ...image,
            error: {
              kind: missing.kind,
              message: missing.message,
              hint: missing.hint ?? null,
            },
          }
        : image,
    );
    for (const warning of image.warnings) ctx.ui.warn(warning);
  } else {
    renderReport(ctx, image);
    if (image.pullSpec) ctx.ui.print(image.pullSpec);
  }
  if (missing) {
    ctx.ui.error(missing.message, missing.hint);
    return missing.exitCode;
  }
  return ExitCode.ok;
}

/** --list and --pull: through the build farm's own kube context and registry. */
async function farmAction(
  ctx: CommandContext,
  image: JobImage,
  resolved: ResolvedSettings,
  options: JobImageOptions,
): Promise<number> {
  const [{ authSetup }, farm] = await Promise.all([
    import('../auth-setup.js'),
    import('../../session/job-pull.js'),
  ]);
  const setup = authSetup(ctx, resolved);
  // For tests: a stand-in for the build farm's registry.
  const target = farm.farmTarget(
    image,
    options.farmRegistry ?? (ctx.io.env.QCI_FARM_REGISTRY || undefined),
  );
  if (!ctx.json) renderReport(ctx, image);
  else for (const warning of image.warnings) ctx.ui.warn(warning);
  if (options.list) {
    const tags = await farm.listFarmImages(setup, target, image.consoleUrl);
    const specs = tags.map(
      (tag) => `${target.registry}/${target.namespace}/pipeline:${tag}`,
    );
    if (ctx.json) ctx.ui.json({ ...image, tags, pullSpecs: specs });
    else for (const spec of specs) ctx.ui.print(spec);
    if (tags.length === 0)
      ctx.ui.warn(
        `the pipeline image stream in ${target.namespace} has no tags yet`,
      );
    return ExitCode.ok;
  }
  const { checkDockerTlsVerify } = await import('../docker-tls.js');
  checkDockerTlsVerify(
    resolved,
    ctx.io.env,
    (line) => ctx.ui.verbose(line),
    target.registry,
  );
  const { imageId } = await farm.pullFarmImage(setup, target, {
    consoleUrl: image.consoleUrl,
    quiet: options.quiet === true,
    json: ctx.json,
    say: (line) => ctx.ui.info(line),
  });
  // docker pull prints no image ID on stdout (podman's own does): qci prints it, as qci pull does.
  if (ctx.json)
    ctx.ui.json({
      ...image,
      pulled: target.pullSpec,
      ...(imageId ? { imageId } : {}),
    });
  else if (imageId) ctx.ui.print(imageId);
  return ExitCode.ok;
}

export function registerJobImage(program: Command, wrap: Wrap): void {
  program
    .command('job-image')
    .summary('find the build-farm images of a CI job from its log')
    .description(
      [
        "Find where a CI job's images live while its namespace exists: the build farm, the ci-op-… namespace, " +
          'the registry, and the pull spec of a pipeline image (src by default), from the "Using namespace" line ' +
          'ci-operator prints when the job starts. The pull spec goes to stdout, the report to stderr.',
        'SOURCE is a Prow job URL (https://prow.ci.openshift.org/view/gs/BUCKET/PATH), a gcsweb or ' +
          'storage.googleapis.com URL, gs://BUCKET/PATH, a build-log.txt URL, a Prow live-log URL ' +
          '(https://prow.ci.openshift.org/log?job=JOB&id=ID), a local file, or - for standard input.',
        'qci stops downloading as soon as it finds the line. A log in test-platform-results is read from ' +
          "test-platform-results-public when the first answers 401, 403 or 404, and from Prow's live log when " +
          'the job has not finished. When a job has no build-log.txt, or it has no such line, qci reads the ' +
          "job's artifacts/ci-operator.log instead and says so. " +
          'For a URL, finished.json beside the log tells whether the namespace ' +
          '(deleted about an hour after the job ends) is probably gone.',
        "Pulling needs a login to that build farm's registry and being the pull request's author.",
      ].join('\n\n'),
    )
    .argument(
      '<source>',
      'Prow job URL, gcsweb/GCS URL, build-log.txt URL, local file, or - for standard input',
    )
    .option(
      '--tag <tag>',
      'pipeline image stream tag: src, bin, root, test-bin, rpms, or an image the job builds',
      'src',
    )
    .option(
      '--cluster <name>',
      'the build farm, when the log does not name it (see qci registries)',
    )
    .option(
      '--timeout <seconds>',
      'give up when the whole lookup takes longer (env QCI_JOB_LOG_TIMEOUT; default 30)',
    )
    .option(
      '--max-bytes <size>',
      'stop a download after this much without the line, e.g. 256M (env QCI_JOB_LOG_MAX_BYTES; default 512M)',
    )
    .option(
      '--max-redirects <n>',
      'redirects to follow (env QCI_JOB_LOG_MAX_REDIRECTS; default 5)',
    )
    .option(
      '--pull',
      "log in to the build farm's registry with its kube context's token and pull the image",
    )
    .option(
      '--list',
      "list the job's pipeline images (its pipeline image stream's tags) through the build farm's API",
    )
    .option('-q, --quiet', 'with --pull: no progress output')
    .option(
      '--platform <os/arch>',
      'with --pull: platform to pull (env QCI_PLATFORM; default linux/amd64)',
    )
    .option('--engine <name>', 'with --pull: podman or docker (env QCI_ENGINE)')
    .addOption(new Option('--farm-registry <host>').hideHelp())
    // For tests: stand-ins for GCS and Prow (env QCI_GCS_BASE_URL, QCI_PROW_BASE_URL).
    .addOption(new Option('--gcs-base-url <url>').hideHelp())
    .addOption(new Option('--prow-base-url <url>').hideHelp())
    .addHelpText(
      'after',
      examples(
        [
          [
            'qci job-image https://prow.ci.openshift.org/view/gs/…/1234',
            'from the job page in Prow',
          ],
          [
            'podman pull $(qci job-image build-log.txt)',
            'pull its source image (after oc registry login)',
          ],
          [
            'qci job-image --tag bin build-log.txt',
            'the bin image instead of src',
          ],
          ['curl -s URL | qci job-image -', 'a log on standard input'],
          [
            'qci job-image --list build-log.txt',
            "the job's pipeline images (needs a build farm kube context)",
          ],
          [
            'qci job-image --pull --tag bin build-log.txt',
            'log in to the build farm registry and pull',
          ],
          [
            'qci job-image --json build-log.txt',
            'everything as one JSON object',
          ],
        ],
        '\nExit codes: 0 found; 1 no namespace line, no cluster, or not a log;\n' +
          '2 bad SOURCE or flag; 4 the bucket refused (401/403); 5 no such log or\n' +
          'file; 6 network error or timeout.\n',
      ),
    )
    .action(wrap(jobImageAction));
}
