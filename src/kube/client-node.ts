/**
 * The parts of @kubernetes/client-node qci uses. bin/build.mjs bundles this file on its own
 * (bin/dist/kube.cjs), tree-shaken: importing the whole package costs ~400 ms on Node 20. CoreV1Api is in
 * client-node-sa.ts (only `qci sa` needs it).
 */
export {
  AuthenticationV1Api,
  AuthorizationV1Api,
  CustomObjectsApi,
  KubeConfig,
  ServerConfiguration,
  createConfiguration,
} from '@kubernetes/client-node';
export type {
  AuthenticationV1TokenRequest,
  Configuration,
  RequestContext,
  ResponseContext,
  SecurityAuthentication,
} from '@kubernetes/client-node';
