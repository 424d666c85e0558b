/**
 * What a found namespace line tells a user: build farm, registry, pull spec, who may pull.
 */
import {
  clusterForConsoleHost,
  clusterNamed,
  type ClusterRegistry,
} from './clusters.js';
import { QciError, usageError } from './errors.js';
import type { Freshness } from './joblog-freshness.js';
import type { NamespaceLine } from './joblog-line.js';
import { LOG_FILE, type JobType, type LogSource } from './joblog-source.js';

export const PIPELINE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function checkPipelineTag(tag: string): string {
  if (!PIPELINE_TAG.test(tag)) {
    throw usageError(
      `invalid --tag "${tag}": a tag is letters, digits, "_", "." and "-", at most 128, not starting with "." or "-"`,
      {
        kind: 'bad-tag',
        hint: 'pipeline tags: src (the default), bin, root, test-bin, rpms, or an image the job builds',
      },
    );
  }
  return tag;
}

export function checkClusterName(name: string): ClusterRegistry {
  const cluster = clusterNamed(name);
  if (!cluster) {
    throw usageError(`unknown cluster "${name}"`, {
      kind: 'bad-cluster',
      hint: 'run qci registries for the clusters; any buildNN build farm works too',
    });
  }
  return cluster;
}

export interface ReadInfo {
  /** What was read: the URL of the copy that answered, the file path, or "standard input". */
  location: string;
  kind: LogSource['kind'];
  /** The bucket that served the log, when it came from one. */
  bucket: string | null;
  /** The places tried before it, and what each answered. */
  attempts: { label: string; url: string; status: number | string }[];
  bytesRead: number;
  /** Set when build-log.txt failed and ci-operator.log was read instead: why. */
  fallback?: string;
}

/** Everything qci job-image knows; `--json` prints it, --pull and --list will start from it. */
export interface JobImage {
  source: string;
  log: ReadInfo;
  job: {
    name: string | null;
    buildId: string | null;
    type: JobType | null;
    repo: string | null;
    pr: number | null;
  } | null;
  line: string;
  loggedAt: string | null;
  namespace: string;
  consoleHost: string | null;
  consoleUrl: string | null;
  cluster: string | null;
  /** Where `cluster` came from. */
  clusterFrom: 'console host' | '--cluster' | null;
  registry: string | null;
  tag: string;
  pullSpec: string | null;
  /** Who can pull, and with what login. */
  access: string | null;
  freshness: Freshness;
  warnings: string[];
}

function accessNote(cluster: ClusterRegistry): string | null {
  if (!cluster.registry) return null;
  if (cluster.cluster === 'vsphere02')
    return `only vSphere administrators can pull from ${cluster.registry}`;
  return `log in to ${cluster.registry} with a ${cluster.cluster} token (oc registry login, while oc is logged in to ${cluster.cluster}); only the pull request's author may pull`;
}

export function buildJobImage(input: {
  source: LogSource;
  read: ReadInfo;
  line: NamespaceLine;
  tag: string;
  clusterOverride?: string | undefined;
  freshness: Freshness;
}): JobImage {
  const { line, tag } = input;
  const warnings: string[] = [];
  const detected = line.consoleHost
    ? clusterForConsoleHost(line.consoleHost)
    : null;
  let cluster = detected;
  let clusterFrom: JobImage['clusterFrom'] = detected ? 'console host' : null;
  if (input.clusterOverride !== undefined) {
    const given = checkClusterName(input.clusterOverride);
    if (detected && detected.cluster !== given.cluster) {
      warnings.push(
        `the log says the job ran on ${detected.cluster} (${line.consoleHost}), but --cluster says ${given.cluster}; using ${given.cluster}`,
      );
    }
    cluster = given;
    clusterFrom = '--cluster';
  }
  if (cluster && !cluster.registry)
    warnings.push(
      `${cluster.cluster} (${cluster.description}) has no registry users can pull from`,
    );
  if (cluster?.cluster === 'vsphere02') warnings.push(accessNote(cluster)!);
  if (input.freshness.state === 'expired')
    warnings.push(input.freshness.detail);
  const source = input.source;
  const job =
    source.kind === 'url' && (source.job || source.jobName)
      ? {
          name: source.job?.name ?? source.jobName,
          buildId: source.job?.buildId ?? source.buildId,
          type: source.job?.type ?? null,
          repo: source.job?.repo ?? null,
          pr: source.job?.pr ?? null,
        }
      : null;
  const registry = cluster?.registry ?? null;
  return {
    source: source.input,
    log: input.read,
    job,
    line: line.line,
    loggedAt: line.loggedAt,
    namespace: line.namespace,
    consoleHost: line.consoleHost,
    consoleUrl: line.consoleUrl,
    cluster: cluster?.cluster ?? null,
    clusterFrom,
    registry,
    tag,
    pullSpec: registry ? `${registry}/${line.namespace}/pipeline:${tag}` : null,
    access: cluster ? accessNote(cluster) : null,
    freshness: input.freshness,
    warnings,
  };
}

/** Why there is no pull spec, for the error after the report; null when there is one. */
export function missingPullSpecError(image: JobImage): QciError | null {
  if (image.pullSpec) return null;
  if (image.cluster) {
    return new QciError(
      `${image.cluster} has no registry users can pull from, so there is no pull spec for ${image.namespace}`,
      { kind: 'no-registry' },
    );
  }
  const why = image.consoleHost
    ? `the console host ${image.consoleHost} in the namespace line is not one of a known cluster`
    : 'the namespace line names no console host';
  return new QciError(
    `cluster unknown: ${why}, so qci cannot tell which registry holds ${image.namespace}`,
    {
      kind: 'cluster-unknown',
      hint:
        `the job's prowjob.json (beside ${LOG_FILE}, or "Job YAML" on its Prow page) names the build farm in spec.cluster; ` +
        `rerun with --cluster NAME (qci registries lists them)`,
    },
  );
}
