/**
 * The docker-credential-helpers protocol as `docker-credential-qci` speaks it (the README of
 * docker/docker-credential-helpers; containers-auth.json(5)). podman, skopeo and docker run
 * `docker-credential-<name> ACTION` for a host listed under `credHelpers`, with the server URL (or, for
 * `store`, a JSON object) on stdin; a credential comes back as JSON on stdout.
 *
 * For the QCI host the secret is the CURRENT app.ci token (read from the kubeconfig on every call), so no
 * long-lived secret sits in any auth file and a rotated token is picked up by the next pull:
 * - `get`    QCI host: {"ServerURL","Username","Secret"}; any other host: `credentials not found in native
 *            keychain` and exit 1, the protocol's "nothing here" (the engine then goes on without it).
 * - `store`  there is nowhere to store: the secret for QCI IS the kube context's token. The QCI host's
 *            current token is accepted without storing anything (so `podman login -p "$(oc whoami -t)"` and
 *            `qci login` keep working); any other secret, or another host, is refused (exit 1) with a message.
 * - `erase`  QCI host: nothing to erase, exit 0 (a note says the helper keeps answering); others: not found.
 * - `list`   the QCI hosts the helper answers for, with the user name; `{}` when it has no token.
 * - `version`
 * Pure: the token lookup is injected, output comes back as data; stdout carries only protocol output and
 * messages never carry the secret.
 */
import { QciError, messageOf } from '../core/errors.js';

/** The protocol's "no credentials for this server" answer (docker-credential-helpers credentials.ErrCredentialsNotFound). */
export const CREDENTIALS_NOT_FOUND = 'credentials not found in native keychain';

export const HELPER_NAME = 'qci';
export const HELPER_BINARY = `docker-credential-${HELPER_NAME}`;

/** What a plain `qci login` says when the helper is registered: podman login would hand the token to the helper's `store`. */
export function helperRegisteredError(host: string, file: string): QciError {
  return new QciError(
    `${HELPER_BINARY} answers for ${host} (credHelpers in ${file}, from \`qci login --helper\`): every pull already gets the current app.ci token, so there is nothing to log in`,
    {
      kind: 'helper-registered',
      hint: 'to store a credential in the auth file instead: qci logout --helper, then qci login',
    },
  );
}

export interface HelperCredential {
  /** Sent as the registry user name; the QCI proxy ignores it, but it must be non-empty and free of ":". */
  username: string;
  secret: string;
}

export interface HelperDeps {
  /**
   * Whether `host` (lower case, host[:port]) is a QCI pull host. May read the config file, so it is only
   * asked when the action needs it.
   */
  isQciHost(host: string): Promise<boolean>;
  /** The current app.ci token; throws an error with a one-line message (and maybe a `hint`) when there is none. */
  credential(): Promise<HelperCredential>;
  /** The QCI hosts, for `list` and messages. */
  qciHosts(): Promise<string[]>;
  version: string;
}

export interface HelperOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export const HELPER_USAGE = `Usage: ${HELPER_BINARY} <get|store|erase|list|version>

A docker-credential-helpers program: podman, skopeo, buildah and docker run it for the QCI host once
\`qci login --helper\` has registered it (credHelpers), and it answers with the current token of your app.ci
kube context (or of the file QCI_TOKEN_FILE names), read on every call. Other hosts: "${CREDENTIALS_NOT_FOUND}".

  get      server URL on stdin; {"ServerURL","Username","Secret"} on stdout
  store    JSON on stdin; accepted (nothing stored) only when the secret is the current app.ci token
  erase    server URL on stdin; nothing is stored, so nothing to erase
  list     {"<QCI host>": "<user>"}
  version  the version

Environment: QCI_REGISTRY, QCI_CONTEXT, QCI_TOKEN_FILE, KUBECONFIG, QCI_CONFIG (as qci reads them).

Examples:
  $ qci login --helper                                              # register it for podman and docker
  $ echo quay-proxy.ci.openshift.org | docker-credential-qci get    # what podman asks on each pull
  $ echo docker.io | docker-credential-qci get                      # other hosts: not found, exit 1
`;

/**
 * The registry host of what a client sends as the server URL: `quay-proxy.ci.openshift.org`,
 * `https://quay-proxy.ci.openshift.org/v1/`, `quay-proxy.ci.openshift.org/openshift/ci` → the host[:port],
 * lower case (host names are case-insensitive; docker's ConvertToHostname cuts the same way).
 */
export function serverHost(serverUrl: string): string {
  let rest = serverUrl.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  const host = rest.split('/', 1)[0] ?? '';
  return host.toLowerCase();
}

const ok = (stdout: string): HelperOutput => ({
  stdout,
  stderr: '',
  exitCode: 0,
});
const fail = (stderr: string, stdout = ''): HelperOutput => ({
  stdout,
  stderr,
  exitCode: 1,
});
const notFound = (): HelperOutput => fail('', `${CREDENTIALS_NOT_FOUND}\n`);

function describeError(error: unknown): string {
  const message = messageOf(error);
  const hint = (error as { hint?: unknown }).hint;
  return `${HELPER_BINARY}: ${message.split('\n')[0]}\n${typeof hint === 'string' && hint !== '' ? `  hint: ${hint}\n` : ''}`;
}

/** Runs one protocol action. `input` is everything the client wrote on stdin. Never throws. */
export async function runCredentialHelper(
  action: string | undefined,
  input: string,
  deps: HelperDeps,
): Promise<HelperOutput> {
  try {
    switch (action) {
      case 'get':
        return await get(input, deps);
      case 'store':
        return await store(input, deps);
      case 'erase':
        return await erase(input, deps);
      case 'list':
        return await list(deps);
      case 'version':
      case '--version':
      case '-v':
        return ok(`${HELPER_BINARY} (qci) ${deps.version}\n`);
      case 'help':
      case '--help':
      case '-h':
        return ok(HELPER_USAGE);
      default:
        return fail(
          `${action === undefined ? '' : `${HELPER_BINARY}: unknown action "${action}"\n`}${HELPER_USAGE}`,
        );
    }
  } catch (error) {
    return fail(describeError(error));
  }
}

async function get(input: string, deps: HelperDeps): Promise<HelperOutput> {
  const serverUrl = input.trim();
  const host = serverHost(serverUrl);
  if (host === '')
    return fail(`${HELPER_BINARY}: no server URL on standard input\n`);
  if (!(await deps.isQciHost(host))) return notFound();
  const credential = await deps.credential();
  return ok(
    `${JSON.stringify({ ServerURL: serverUrl, Username: credential.username, Secret: credential.secret })}\n`,
  );
}

async function store(input: string, deps: HelperDeps): Promise<HelperOutput> {
  let request: { ServerURL?: unknown; Secret?: unknown };
  try {
    request = JSON.parse(input) as typeof request;
  } catch {
    return fail(
      `${HELPER_BINARY}: store: standard input is not JSON {"ServerURL","Username","Secret"}\n`,
    );
  }
  if (
    typeof request !== 'object' ||
    request === null ||
    typeof request.ServerURL !== 'string'
  ) {
    return fail(
      `${HELPER_BINARY}: store: no ServerURL in the JSON on standard input\n`,
    );
  }
  const host = serverHost(request.ServerURL);
  if (!(await deps.isQciHost(host))) {
    return fail(
      `${HELPER_BINARY}: stores no credentials; it answers only for QCI (${(await deps.qciHosts()).join(', ')}), not ${host}\n`,
    );
  }
  let current: HelperCredential;
  try {
    current = await deps.credential();
  } catch (error) {
    return fail(
      `${HELPER_BINARY}: cannot take a credential for ${host}: it answers with your app.ci token, and has none:\n${describeError(error)}`,
    );
  }
  if (request.Secret === current.secret) return ok(''); // the token it answers with anyway: nothing to store
  return fail(
    `${HELPER_BINARY}: ${host} is answered by ${HELPER_BINARY} with the app.ci token of your kube context; it cannot store another secret\n` +
      `  hint: to log in with another token, stop using the helper first: qci logout --helper\n`,
  );
}

async function erase(input: string, deps: HelperDeps): Promise<HelperOutput> {
  const host = serverHost(input);
  if (host === '' || !(await deps.isQciHost(host))) return notFound();
  return {
    stdout: '',
    stderr: `${HELPER_BINARY}: nothing is stored for ${host}; pulls keep getting your current app.ci token until \`qci logout --helper\` removes the helper\n`,
    exitCode: 0,
  };
}

async function list(deps: HelperDeps): Promise<HelperOutput> {
  const hosts = await deps.qciHosts();
  try {
    const { username } = await deps.credential();
    return ok(
      `${JSON.stringify(Object.fromEntries(hosts.map((h) => [h, username])))}\n`,
    );
  } catch (error) {
    return { stdout: '{}\n', stderr: describeError(error), exitCode: 0 };
  }
}
