#!/usr/bin/env node
// Credential-helper benchmark: `docker-credential-qci get` (what podman runs on every pull of a QCI image)
// against `node -e 0`, interleaved in one run so both see the same machine load. The helper reads a
// kubeconfig like the one `oc login` writes (in a throwaway HOME) and answers for the QCI host; it is also
// timed for another host ("not found", no kubeconfig read). Prints the medians and the ratio (goal: under 2).
// Usage: node bench/credential-helper.mjs [runs]   (build first: npm run build)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleaveSync } from './lib/stats.mjs';

const runs = Number(process.argv[2] ?? 40);
const helper = fileURLToPath(
  new URL('../bin/docker-credential-qci', import.meta.url),
);
const home = mkdtempSync(join(tmpdir(), 'qci-bench-'));
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
};
mkdirSync(join(home, '.kube'));
// Two contexts, as a CI developer's kubeconfig has: a build farm (current) and app.ci.
writeFileSync(
  join(home, '.kube', 'config'),
  `apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://api.build02.gcp.ci.openshift.org:6443
  name: api-build02-gcp-ci-openshift-org:6443
- cluster:
    server: https://api.ci.l2s4.p1.openshiftapps.com:6443
  name: api-ci-l2s4-p1-openshiftapps-com:6443
contexts:
- context:
    cluster: api-build02-gcp-ci-openshift-org:6443
    namespace: ci
    user: alice/api-build02-gcp-ci-openshift-org:6443
  name: ci/api-build02-gcp-ci-openshift-org:6443/alice
- context:
    cluster: api-ci-l2s4-p1-openshiftapps-com:6443
    namespace: ci
    user: alice/api-ci-l2s4-p1-openshiftapps-com:6443
  name: app.ci
current-context: ci/api-build02-gcp-ci-openshift-org:6443/alice
preferences: {}
users:
- name: alice/api-build02-gcp-ci-openshift-org:6443
  user:
    token: sha256~bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
- name: alice/api-ci-l2s4-p1-openshiftapps-com:6443
  user:
    token: sha256~aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
`,
);

const subjects = {
  'node -e 0': { cmd: [process.execPath, ['-e', '0']], status: 0 },
  'docker-credential-qci get (QCI)': {
    cmd: [process.execPath, [helper, 'get']],
    input: 'quay-proxy.ci.openshift.org',
    status: 0,
  },
  'docker-credential-qci get (other)': {
    cmd: [process.execPath, [helper, 'get']],
    input: 'docker.io',
    status: 1,
  },
};

let medians;
try {
  medians = interleaveSync(subjects, runs, env);
} finally {
  rmSync(home, { recursive: true, force: true });
}

const base = medians['node -e 0'];
const ratio = medians['docker-credential-qci get (QCI)'] / base;
const other = medians['docker-credential-qci get (other)'] / base;
console.log(
  `ratio get (QCI) / node: ${ratio.toFixed(2)}  (goal: under 2: ${ratio < 2 ? 'met' : 'NOT met'}); get (other) / node: ${other.toFixed(2)}`,
);
