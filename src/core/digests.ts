/**
 * Digest-pinned QCI pull specs: HOST/openshift/ci@sha256:…, the form ci-tools writes itself
 * (`qciPullSpec` in pkg/api/promotion.go) and the proxy serves like any other /v2/ path.
 */
import { QCI_REPOSITORY_PATH } from './reference.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function isDigest(text: string): boolean {
  return DIGEST.test(text);
}

/** `host/openshift/ci@digest`: what `podman pull` takes to fetch exactly that manifest. */
export function pinnedSpec(host: string, digest: string): string {
  return `${host}/${QCI_REPOSITORY_PATH}@${digest}`;
}
