/**
 * The OpenShift CI clusters and their registries (REFERENCE §2), with QCI first: it is the one users pull from.
 */
import { QCI_PROXY_HOST, QCI_REPOSITORY_HOST, QCI_REPOSITORY_PATH, APP_CI_REGISTRY } from './reference.js';

export interface ClusterRegistry {
  cluster: string;
  /** Null for clusters without a registry users can reach. */
  registry: string | null;
  description: string;
  /** Hosts of the web console, as they appear in ci-operator's "Using namespace" line. */
  consoleHosts: string[];
}

/** Build farms whose console is console.buildNN.ci.openshift.org; the others use the devcluster form. */
const CLASSIC_BUILD_FARMS = new Set(['build01', 'build02', 'build04', 'build08']);
const BUILD_FARMS = ['build01', 'build02', 'build03', 'build04', 'build05', 'build06', 'build07', 'build08', 'build09', 'build10', 'build11'];

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
    description: 'internal automation only (release controllers, ART, mirroring); do not reference it',
    consoleHosts: ['console-openshift-console.apps.ci.l2s4.p1.openshiftapps.com'],
  },
  ...BUILD_FARMS.map((cluster) => ({
    cluster,
    registry: `registry.${cluster}.ci.openshift.org`,
    description: "build farm; a job's images live here for about an hour after it ends",
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
  { cluster: 'hosted-mgmt', registry: null, description: 'hosted control planes management; no registry', consoleHosts: [] },
  { cluster: 'hosted-mgmt2', registry: null, description: 'hosted control planes management; no registry', consoleHosts: [] },
];
