/** app.ci's names and the two fixes users are sent to (ci-tools cmd/qci-appci; app.ci's OAuth token page). */
export const APP_CI_SERVER = 'https://api.ci.l2s4.p1.openshiftapps.com:6443';
export const APP_CI_TOKEN_PAGE =
  'https://oauth-openshift.apps.ci.l2s4.p1.openshiftapps.com/oauth/token/request';
export const LOGIN_HINT = `log in to app.ci: qci login --web (or get a token at ${APP_CI_TOKEN_PAGE} and run the "oc login --token=… --server=${APP_CI_SERVER}" it shows)`;
export const QCI_ACCESS_HINT =
  'ask for QCI access: a pull request adding a Rover group you are in to the RoleBinding qci-image-puller in ' +
  'https://github.com/openshift/release/blob/master/clusters/app.ci/assets/admin_qci-image-puller_rbac.yaml';

/**
 * A fix where there is no app.ci login at all (no kubeconfig, no app.ci context): `qci login` fails at
 * once there, so a fix that logs in is the browser login.
 */
export function withBrowserLogin(fix: string): string {
  return fix.replace(/\bqci login\b(?! --web)/, 'qci login --web');
}
