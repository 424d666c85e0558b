#!/usr/bin/env node
// Credential-helper benchmark: `docker-credential-qci get` (what podman runs on every pull of a QCI image)
// against `node -e 0`, interleaved in one run so both see the same machine load. The helper reads a
// kubeconfig like the one `oc login` writes (in a throwaway HOME) and answers for the QCI host; it is also
// timed for another host ("not found", no kubeconfig read), and with a kubeconfig of 40 contexts. Prints the medians and the ratio (goal: under 2).
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

// And a kubeconfig of many contexts, as years of `oc login` to build farms, clusters of one's own (their
// CA data inline) and kind clusters leave it: 40 contexts, app.ci among them, 87 KB.
const many = join(home, 'many-contexts');
const entries = { clusters: [], contexts: [], users: [] };
for (let i = 0; i < 40; i++) {
  const name =
    i === 17
      ? 'api-ci-l2s4-p1-openshiftapps-com:6443'
      : `api-c${i}-example-com:6443`;
  const server =
    i === 17
      ? 'https://api.ci.l2s4.p1.openshiftapps.com:6443'
      : `https://api.c${i}.example.com:6443`;
  entries.clusters.push(
    `- cluster:\n${i % 2 ? '' : `    certificate-authority-data: ${'LS0tLS1CRUdJTi'.padEnd(1800, 'A')}\n`}    server: ${server}\n  name: ${name}`,
  );
  entries.contexts.push(
    `- context:\n    cluster: ${name}\n    namespace: default\n    user: alice/${name}\n  name: ${i === 17 ? 'app.ci' : `default/${name}/alice`}`,
  );
  entries.users.push(
    `- name: alice/${name}\n  user:\n    token: sha256~${String(i).padStart(43, 'a')}`,
  );
}
writeFileSync(
  many,
  `apiVersion: v1\nkind: Config\nclusters:\n${entries.clusters.join('\n')}\ncontexts:\n${entries.contexts.join('\n')}\ncurrent-context: app.ci\npreferences: {}\nusers:\n${entries.users.join('\n')}\n`,
);

const subjects = {
  'node -e 0': { cmd: [process.execPath, ['-e', '0']], status: 0 },
  'docker-credential-qci get (QCI)': {
    cmd: [process.execPath, [helper, 'get']],
    input: 'quay-proxy.ci.openshift.org',
    status: 0,
  },
  'docker-credential-qci get (QCI, 40 contexts)': {
    cmd: [process.execPath, [helper, 'get']],
    input: 'quay-proxy.ci.openshift.org',
    status: 0,
    env: { KUBECONFIG: many },
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
const crowded = medians['docker-credential-qci get (QCI, 40 contexts)'] / base;
console.log(
  `ratio get (QCI) / node: ${ratio.toFixed(2)}  (goal: under 2: ${ratio < 2 ? 'met' : 'NOT met'}); with 40 contexts: ${crowded.toFixed(2)} (${crowded < 2 ? 'met' : 'NOT met'}); get (other) / node: ${other.toFixed(2)}`,
);
