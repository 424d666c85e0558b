/**
 * qci pull-secret: a pull secret (the `.dockerconfigjson` clusters and installers read) holding a QCI
 * credential, from the user's own app.ci token or a ServiceAccount's bound token (TokenRequest, as
 * `qci sa token`), written to a new file, merged into an existing one (an installer's pull-secret.txt),
 * or handed back for stdout or a cluster. The token is never in a message, a report or a log.
 */
import { dirname, resolve } from 'node:path';
import {
  encodeAuth,
  keyBelongsToHost,
  objectField,
  parseJsonText,
  updateAuthFile,
  type UpdateResult,
} from '../auth/index.js';
import { goFieldKey, isRecord } from '../auth/file.js';
import { QciError, usageError } from '../core/errors.js';
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import {
  personalTokenWarning,
  pullSecretChanges,
  pullSecretHosts,
  type RegistryChange,
} from '../core/pull-secret.js';
import { registryUserFor } from '../core/token.js';
import { kindOf, requestServiceAccountToken } from './service-account.js';
import { deniedError, proveFacts, type AuthSetup } from './setup.js';

export interface PullSecretRequest {
  /** A ServiceAccount's bound token instead of the user's own. */
  serviceAccount?: { project: string; name: string; seconds: number };
  withAppCiRegistry: boolean;
}

/** What a pull secret holds, without the secret: what every output reports. */
export interface PullSecretFacts {
  /** The registries it holds, QCI's first. */
  registries: string[];
  /** `user`: the user's own app.ci token; `service-account`: a bound token. */
  source: 'user' | 'service-account';
  /** Whose token: `alice`, `system:serviceaccount:P:NAME`. */
  subject: string;
  /** The user name stored beside the token (the proxy ignores it; it says whose it is). */
  user: string;
  /** The app.ci context that proved or minted it. */
  context: string;
  expiresAt: string | null;
  expiry: string | null;
  warnings: string[];
}

export interface PullSecret {
  /** `{"auths": {...}}`, the secret itself: for the file, stdout or the cluster, never a report. */
  json: { auths: Record<string, { auth: string }> };
  token: string;
  facts: PullSecretFacts;
}

/**
 * Makes the pull secret: with the user's own token (proved live and allowed to pull from QCI, with a
 * warning of when it dies), or with a bound token minted for the ServiceAccount.
 */
export async function makePullSecret(
  setup: AuthSetup,
  request: PullSecretRequest,
): Promise<PullSecret> {
  const hosts = pullSecretHosts(
    setup.settings.registry,
    request.withAppCiRegistry,
  );
  const { token, facts } = request.serviceAccount
    ? await serviceAccountToken(setup, request.serviceAccount)
    : await userToken(setup);
  const auths: Record<string, { auth: string }> = {};
  for (const host of hosts)
    auths[host] = { auth: encodeAuth(facts.user, token) };
  return { json: { auths }, token, facts: { ...facts, registries: hosts } };
}

type Minted = { token: string; facts: Omit<PullSecretFacts, 'registries'> };

async function userToken(setup: AuthSetup): Promise<Minted> {
  const appci = await setup.connect(undefined, { preconnect: true });
  const token = appci.requireToken();
  const proved = await proveFacts(setup, appci, token);
  if (!proved.qciAccess) throw deniedError(proved.user);
  const expiresAt = proved.expiresAt ? new Date(proved.expiresAt) : null;
  const serviceAccount = proved.tokenKind === 'service-account';
  return {
    token,
    facts: {
      source: serviceAccount ? 'service-account' : 'user',
      subject: proved.user,
      user: registryUserFor(proved.user),
      context: proved.context,
      expiresAt: proved.expiresAt,
      expiry: proved.expiry,
      warnings: serviceAccount
        ? []
        : [personalTokenWarning(proved.user, expiresAt, setup.now())],
    },
  };
}

async function serviceAccountToken(
  setup: AuthSetup,
  target: { project: string; name: string; seconds: number },
): Promise<Minted> {
  const { token, report } = await requestServiceAccountToken(setup, target);
  const subject =
    report.subject ?? `system:serviceaccount:${target.project}:${target.name}`;
  return {
    token,
    facts: {
      source: 'service-account',
      subject,
      user: registryUserFor(subject),
      context: report.context,
      expiresAt: report.expiresAt,
      expiry: report.expiry,
      warnings: report.warnings,
    },
  };
}

/** Where a pull secret went: a file written (-o), a file merged into (--merge). */
export interface FileOutcome {
  path: string;
  created: boolean;
  changed: boolean;
  backupPath: string | null;
  changes: RegistryChange[];
  /** What would keep an engine from sending the new entry (a credential helper named for its host). */
  warnings: string[];
}

/**
 * Puts the secret's entries into `json` (a pull secret's parsed JSON): each host's entry replaced, its
 * other keys (URL forms, per-repository keys, which would win over the host's) removed, every other
 * registry's entry and every other key kept where it was.
 */
export function mergeEntries(
  json: Record<string, unknown>,
  secret: PullSecret['json'],
  path: string,
): void {
  const auths = objectField(json, 'auths', path);
  for (const [host, entry] of Object.entries(secret.auths)) {
    for (const key of Object.keys(auths))
      if (key !== host && keyBelongsToHost(key, host)) delete auths[key];
    auths[host] = entry;
  }
}

/** What a file holds besides the entries a pull secret would write: another registry, another key. */
function othersIn(json: Record<string, unknown>, hosts: string[]): string[] {
  const authsKey = goFieldKey(json, 'auths');
  const others = Object.keys(json).filter((k) => k !== authsKey);
  const auths = authsKey === undefined ? undefined : json[authsKey];
  if (isRecord(auths))
    for (const key of Object.keys(auths))
      if (!hosts.some((h) => keyBelongsToHost(key, h))) others.push(key);
  return others;
}

const outcome = (
  result: UpdateResult,
  changes: RegistryChange[],
  warnings: string[] = [],
): FileOutcome => ({
  path: result.path,
  created: result.created,
  changed: result.changed,
  backupPath: result.backupPath ?? null,
  changes,
  warnings,
});

/**
 * What the engines read before "auths" (containers-auth.json(5), docker's config file): a credHelpers
 * line for one of the hosts, and, for docker, a credsStore.
 */
function shadowingHelpers(
  json: Record<string, unknown>,
  hosts: string[],
  path: string,
): string[] {
  const out: string[] = [];
  const helpers = json[goFieldKey(json, 'credHelpers') ?? 'credHelpers'];
  if (isRecord(helpers))
    for (const [key, helper] of Object.entries(helpers))
      if (typeof helper === 'string' && helper !== '')
        for (const host of hosts.filter((h) => keyBelongsToHost(key, h)))
          out.push(
            `${path}: credHelpers sends ${host} to docker-credential-${helper}, which podman and docker ask before "auths": they will not send the new entry while that line is there`,
          );
  const store = json[goFieldKey(json, 'credsStore') ?? 'credsStore'];
  if (typeof store === 'string' && store !== '')
    out.push(
      `${path}: credsStore names docker-credential-${store}, which docker reads every credential from instead of "auths": docker will not send the new entry`,
    );
  return out;
}

/** -o over a file holding more than a QCI pull secret: refused, the file kept. */
function wouldLose(path: string, others: string[]): QciError {
  return new QciError(
    `${path} already holds ${others.map((o) => `"${o}"`).join(', ')}; -o would lose ${others.length === 1 ? 'it' : 'them'}, so qci left the file unchanged`,
    {
      kind: 'exists',
      hint: `add the QCI entry to it, keeping the rest: qci pull-secret --merge ${path}`,
    },
  );
}

/** An existing file's JSON object (undefined when the file is missing); a file that is not one is refused. */
async function readExisting(
  target: string,
): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFileSafe(target, {
      maxBytes: MAX_BYTES.authFile,
      what: 'pull secret',
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok || !isRecord(parsed.value))
    throw new QciError(
      `cannot update ${target}: it ${parsed.ok ? 'is not a JSON object' : parsed.reason}; qci left it unchanged`,
      { kind: 'auth-file-corrupt', hint: `repair or move aside ${target}` },
    );
  return parsed.value;
}

/**
 * --merge into a file that holds credentials in another form refused, as podman and docker would not
 * read an "auths" added beside them: a Kubernetes Secret manifest (its pull secret is base64 in
 * data[".dockerconfigjson"]), or the legacy .dockercfg form (registries at the top level).
 */
function refuseOtherForms(json: Record<string, unknown>, path: string): void {
  if (json.kind === 'Secret' || ('apiVersion' in json && 'data' in json))
    throw usageError(
      `--merge ${path}: it is a Kubernetes Secret manifest, not the pull secret inside it; qci changed nothing`,
      {
        hint: `merge into its .dockerconfigjson (oc extract secret/NAME --keys=.dockerconfigjson --to=- > pull-secret.json; qci pull-secret --merge pull-secret.json), or let qci update the Secret: qci pull-secret --apply`,
      },
    );
  const legacy =
    goFieldKey(json, 'auths') === undefined &&
    Object.values(json).some((v) => isRecord(v) && 'auth' in v);
  if (legacy)
    throw usageError(
      `--merge ${path}: it is in the legacy .dockercfg form (registries at the top level, no "auths"); qci changed nothing`,
      {
        hint: `podman and docker read the config.json form: jq '{auths: .}' ${path} > pull-secret.json, then qci pull-secret --merge pull-secret.json`,
      },
    );
}

/**
 * What -o or --merge would refuse, checked before a token is asked for or minted: a directory, a missing
 * file to merge into, a file that is not a pull secret, a file -o would lose entries of. The write
 * checks again under the file's lock.
 */
export async function checkFileDestination(
  kind: 'file' | 'merge',
  path: string,
  hosts: string[],
): Promise<void> {
  if (path === '')
    throw usageError(`${kind === 'file' ? '-o' : '--merge'} needs a file name`);
  const target = resolve(path);
  const found = await kindOf(target);
  if (kind === 'file' && found === 'dir')
    throw usageError(`-o ${path} is a directory; name a file`);
  // As cp and curl -o: the file is made, not the directories on the way to it.
  if (
    kind === 'file' &&
    found === 'absent' &&
    (await kindOf(dirname(target))) !== 'dir'
  )
    throw usageError(`-o ${path}: there is no directory ${dirname(target)}`, {
      hint: `make it first (mkdir -p ${dirname(target)}), or name a file in an existing directory`,
    });
  if (kind === 'merge' && found !== 'file')
    throw new QciError(
      `--merge ${path}: ${found === 'dir' ? 'is a directory' : 'no such file'}`,
      {
        kind: found === 'dir' ? 'usage' : 'not-found',
        hint: `name an existing pull secret (such as the installer's pull-secret.txt), or write a new one with -o ${path}`,
      },
    );
  const json = await readExisting(target);
  if (json === undefined) return;
  if (kind === 'merge') {
    refuseOtherForms(json, path);
    objectField(json, 'auths', path); // a bad "auths" throws; json is not written
  }
  const others = kind === 'file' ? othersIn(json, hosts) : [];
  if (others.length > 0) throw wouldLose(path, others);
}

/**
 * `-o FILE`: a file holding just this pull secret (0600, atomic). A file that already holds another
 * registry's entry or another key is refused (--merge keeps them); one holding only an older QCI pull
 * secret is replaced, no backup keeping its token.
 */
export async function writePullSecretFile(
  path: string,
  secret: PullSecret,
): Promise<FileOutcome> {
  // Checked by checkFileDestination before the token was asked for; other entries again under the lock.
  const hosts = secret.facts.registries;
  let changes: RegistryChange[] = [];
  const result = await updateAuthFile(
    resolve(path),
    (json) => {
      const others = othersIn(json, hosts);
      if (others.length > 0) throw wouldLose(path, others);
      changes = pullSecretChanges(json, secret.json);
      return structuredClone(secret.json);
    },
    { scrub: { hosts }, keepOneLine: true },
  );
  return outcome(result, changes);
}

/**
 * `--merge FILE`: the QCI entry (and app.ci's registry's) into an existing pull secret, every other
 * registry's entry and every other key kept, atomically, a one-line file kept on one line; a backup only
 * when it keeps something besides the replaced QCI secrets, which are cut from older backups too.
 * `dryRun`: what would change, nothing written.
 */
export async function mergePullSecretFile(
  path: string,
  secret: PullSecret,
  options: { dryRun?: boolean } = {},
): Promise<FileOutcome> {
  const target = resolve(path);
  await checkFileDestination('merge', path, secret.facts.registries);
  if (options.dryRun) return mergePreview(target, secret);
  let changes: RegistryChange[] = [];
  let warnings: string[] = [];
  const result = await updateAuthFile(
    target,
    (json) => {
      const before = structuredClone(json);
      mergeEntries(json, secret.json, path);
      changes = pullSecretChanges(before, json);
      warnings = shadowingHelpers(json, secret.facts.registries, path);
    },
    { scrub: { hosts: secret.facts.registries }, keepOneLine: true },
  );
  return outcome(result, changes, warnings);
}

/** --merge --dry-run: the file read and merged in memory only. */
async function mergePreview(
  target: string,
  secret: PullSecret,
): Promise<FileOutcome> {
  const before = (await readExisting(target)) ?? {};
  const after = structuredClone(before);
  mergeEntries(after, secret.json, target);
  const changes = pullSecretChanges(before, after);
  return {
    path: target,
    created: false,
    changed: changes.some((c) => c.change !== 'kept'),
    backupPath: null,
    changes,
    warnings: shadowingHelpers(after, secret.facts.registries, target),
  };
}
