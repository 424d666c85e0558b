/**
 * The OpenShift CI clusters and their registries (openshift/ci-docs), with QCI first: it is the one users pull from.
 */
import {
  QCI_PROXY_HOST,
  QCI_REPOSITORY_HOST,
  QCI_REPOSITORY_PATH,
  APP_CI_REGISTRY,
} from './reference.js';
import { isLoopbackHost, isLoopbackHostPort } from './loopback.js';

export interface ClusterRegistry {
  cluster: string;
  /** Null for clusters without a registry users can reach. */
  registry: string | null;
  description: string;
  /** Hosts of the web console, as they appear in ci-operator's "Using namespace" line. */
  consoleHosts: string[];
}

/** Build farms whose console is console.buildNN.ci.openshift.org; the others use the devcluster form. */
const CLASSIC_BUILD_FARMS = new Set([
  'build01',
  'build02',
  'build04',
  'build08',
]);
const BUILD_FARMS = [
  'build01',
  'build02',
  'build03',
  'build04',
  'build05',
  'build06',
  'build07',
  'build08',
  'build09',
  'build10',
  'build11',
];

export function buildFarmConsoleHost(cluster: string): string {
  return CLASSIC_BUILD_FARMS.has(cluster)
    ? `console.${cluster}.ci.openshift.org`
    : `console-openshift-console.apps.${cluster}.ci.devcluster.openshift.com`;
}

export const CLUSTERS: readonly ClusterRegistry[] = [
  {
    cluster: 'QCI',
    registry: QCI_PROXY_HOST,
    description: `authoritative CI registry (${QCI_REPOSITORY_HOST}/${QCI_REPOSITORY_PATH}); pull here with an app.ci token`,
    consoleHosts: [],
  },
  {
    cluster: 'app.ci',
    registry: APP_CI_REGISTRY,
    description:
      'internal automation only (release controllers, ART, mirroring); do not reference it',
    consoleHosts: [
      'console-openshift-console.apps.ci.l2s4.p1.openshiftapps.com',
    ],
  },
  ...BUILD_FARMS.map((cluster) => ({
    cluster,
    registry: `registry.${cluster}.ci.openshift.org`,
    description:
      "build farm; a job's images live here for about an hour after it ends",
    consoleHosts: [buildFarmConsoleHost(cluster)],
  })),
  {
    cluster: 'vsphere02',
    registry: 'registry.apps.build02.vmc.ci.openshift.org',
    description: 'vSphere build farm; only vSphere administrators can pull',
    consoleHosts: [],
  },
  {
    cluster: 'arm01',
    registry: 'registry.arm-build01.arm-build.devcluster.openshift.com',
    description: 'arm64 build farm',
    consoleHosts: [],
  },
  {
    cluster: 'multi01',
    registry: 'registry.multi-build01.arm-build.devcluster.openshift.com',
    description: 'multi-architecture build farm',
    consoleHosts: [],
  },
  {
    cluster: 'hosted-mgmt',
    registry: null,
    description: 'hosted control planes management; no registry',
    consoleHosts: [],
  },
  {
    cluster: 'hosted-mgmt2',
    registry: null,
    description: 'hosted control planes management; no registry',
    consoleHosts: [],
  },
];

/** Any build farm, listed or not: every `build\d\d+` cluster has a registry of this form (openshift/ci-docs). */
const BUILD_FARM_NAME = /^build\d{2,}$/;
/** The two console host forms of a build farm (classic, and the devcluster one that newer farms use). */
const BUILD_FARM_CONSOLE = [
  /^console\.(build\d{2,})\.ci\.openshift\.org$/,
  /^console-openshift-console\.apps\.(build\d{2,})\.ci\.devcluster\.openshift\.com$/,
];
/**
 * Console hosts of clusters whose row lists none. vsphere02's is the console its own tooling links to
 * (jcpowermac/ocp-vcf-dashboard); for the rest, OpenShift's default route `console-openshift-console.apps.<domain>`
 * is matched against the cluster's registry `registry.<domain>` or `registry.apps.<domain>` (clusterForConsoleHost).
 */
const EXTRA_CONSOLE_HOSTS: Record<string, string> = {
  'console-openshift-console.apps.build02.vmc.ci.openshift.org': 'vsphere02',
};

/**
 * Consoles of build farms that are gone, as old logs and docs still show them: their namespaces and
 * images went with them. The old vSphere farm (openshift/ci-docs quotes its log lines).
 */
const RETIRED_CONSOLE_HOSTS: Record<string, ClusterRegistry> = {
  'console-openshift-console.apps.build01-us-west-2.vmc.ci.openshift.org': {
    cluster: 'vsphere',
    registry: null,
    description: 'the old vSphere build farm, decommissioned with its images',
    consoleHosts: [],
  },
};

/** A build farm that is not (yet) in CLUSTERS, described like the listed ones. */
function unlistedBuildFarm(cluster: string): ClusterRegistry {
  return {
    cluster,
    registry: `registry.${cluster}.ci.openshift.org`,
    description:
      "build farm; a job's images live here for about an hour after it ends",
    consoleHosts: [buildFarmConsoleHost(cluster)],
  };
}

/** The cluster called `name` (case-insensitive), including build farms missing from the table; null when unknown. QCI is not a cluster. */
export function clusterNamed(name: string): ClusterRegistry | null {
  const wanted = name.trim().toLowerCase();
  const listed = CLUSTERS.find(
    (c) => c.cluster.toLowerCase() === wanted && c.cluster !== 'QCI',
  );
  if (listed) return listed;
  return BUILD_FARM_NAME.test(wanted) ? unlistedBuildFarm(wanted) : null;
}

/** The cluster whose web console is `host` (as in ci-operator's "Using namespace" line); null when unknown. */
export function clusterForConsoleHost(host: string): ClusterRegistry | null {
  const wanted = host
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/:443$/, '');
  const listed = CLUSTERS.find((c) => c.consoleHosts.includes(wanted));
  if (listed) return listed;
  for (const form of BUILD_FARM_CONSOLE) {
    const match = form.exec(wanted);
    if (match) return clusterNamed(match[1]!);
  }
  const extra = EXTRA_CONSOLE_HOSTS[wanted];
  if (extra) return clusterNamed(extra);
  const domain = /^console-openshift-console\.apps\.(.+)$/.exec(wanted)?.[1];
  if (domain) {
    const byRegistry = CLUSTERS.find(
      (c) =>
        c.registry === `registry.${domain}` ||
        c.registry === `registry.apps.${domain}`,
    );
    if (byRegistry) return byRegistry;
  }
  const retired = RETIRED_CONSOLE_HOSTS[wanted];
  if (retired) return retired;
  // OSD/ROSA and other hosted shapes name the cluster in the label after `apps.`:
  // console-openshift-console.apps.build04.34d2.p2.openshiftapps.com is build04.
  const label = /^console-openshift-console\.apps\.([a-z0-9-]+)\./.exec(
    wanted,
  )?.[1];
  return label ? clusterNamed(label) : null;
}

/**
 * Whether a registry takes the app.ci token: QCI's proxy and app.ci's own registry, or a stand-in on
 * this machine (a test's, as the loopback rule allows a build farm's). Nothing else is ever sent it:
 * quay.io itself, docker.io and mirrors want credentials of their own.
 */
export function takesAppCiToken(host: string): boolean {
  const h = host.toLowerCase();
  return (
    h === QCI_PROXY_HOST ||
    h === APP_CI_REGISTRY ||
    isLoopbackHostPort(h) ||
    isLoopbackHost(h)
  );
}
