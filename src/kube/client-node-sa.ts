/**
 * What `qci sa` adds to src/kube/client-node.ts: CoreV1Api, for TokenRequest. bin/build.mjs bundles
 * this file on its own (bin/dist/kube-sa.cjs), so every other command loads the kube client without it.
 */
export * from './client-node.js';
export { CoreV1Api } from '@kubernetes/client-node';
