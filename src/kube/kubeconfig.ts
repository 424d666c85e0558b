/**
 * Reads kubeconfig files the way kubectl does, which @kubernetes/client-node does not (kubernetes-client/javascript src/config.ts):
 * KUBECONFIG=a:b merges with the FIRST file to set a name winning (client-node throws on duplicates),
 * current-context comes from the first file that sets one (client-node takes the last), relative paths
 * are relative to their file, and the standard `tokenFile` user key is read and trimmed.
 */
import { MAX_BYTES, readFileSafeSync } from '../io/read.js';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LOGIN_HINT } from '../core/appci.js';
import { QciError } from '../core/errors.js';

type RawEntry = { name?: unknown; [key: string]: unknown };

export interface MergedKubeconfig {
  /** The merged kubeconfig, in kubeconfig's own (kubectl) shape, ready for client-node's loadFromString. */
  config: {
    apiVersion: 'v1';
    kind: 'Config';
    clusters: RawEntry[];
    users: RawEntry[];
    contexts: RawEntry[];
    'current-context'?: string;
  };
  /** The files that were read, in order. */
  files: string[];
  /** Which file each context came from (for messages). */
  contextSource: Map<string, string>;
}

export function kubeconfigPaths(
  env: Record<string, string | undefined>,
): string[] {
  const list = env.KUBECONFIG;
  if (list) return list.split(':').filter((p) => p !== '');
  return [join(env.HOME || homedir(), '.kube', 'config')];
}

const PATH_KEYS: Record<'clusters' | 'users', string[]> = {
  clusters: ['certificate-authority'],
  users: ['client-certificate', 'client-key', 'tokenFile', 'token-file'],
};

function badFile(file: string, reason: string): QciError {
  return new QciError(`kubeconfig ${file}: ${reason}`, {
    kind: 'bad-kubeconfig',
    hint: `fix ${file}, or point KUBECONFIG at a good file`,
  });
}

/** Makes paths inside an entry absolute, relative to the file they were written in (as kubectl does). */
function resolvePaths(
  entry: RawEntry,
  section: 'clusters' | 'users',
  file: string,
): RawEntry {
  const inner = entry[section === 'clusters' ? 'cluster' : 'user'];
  if (typeof inner !== 'object' || inner === null) return entry;
  const copy: Record<string, unknown> = {
    ...(inner as Record<string, unknown>),
  };
  for (const key of PATH_KEYS[section]) {
    const value = copy[key];
    if (typeof value === 'string' && value !== '' && !isAbsolute(value))
      copy[key] = resolve(dirname(file), value);
  }
  return { ...entry, [section === 'clusters' ? 'cluster' : 'user']: copy };
}

/**
 * tokenFile (and client-node's own token-file) become a trimmed `token`, as kubectl reads them — for the
 * user a context uses only: another user's missing token file must not break this one (kubectl reads lazily too).
 */
export function inlineTokenFile(entry: RawEntry): RawEntry {
  const user = entry.user as Record<string, unknown> | undefined;
  if (!user) return entry;
  const path = (user.tokenFile ?? user['token-file']) as string | undefined;
  if (typeof path !== 'string' || path === '' || typeof user.token === 'string')
    return entry;
  let token: string;
  try {
    token = readFileSafeSync(path, {
      maxBytes: MAX_BYTES.token,
      what: 'token file',
    }).trim();
  } catch (error) {
    if (error instanceof QciError) throw error;
    throw new QciError(
      `kubeconfig user "${String(entry.name)}": cannot read its tokenFile ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        kind: 'bad-kubeconfig',
      },
    );
  }
  const { tokenFile: _a, 'token-file': _b, ...rest } = user;
  return { ...entry, user: { ...rest, token } };
}

/** The keys that name a file client-node would read, and the `-data` key that holds it inline. */
const FILE_KEYS = {
  cluster: [['certificate-authority', 'certificate-authority-data']],
  user: [
    ['client-certificate', 'client-certificate-data'],
    ['client-key', 'client-key-data'],
  ],
} as const;

/**
 * The entry (the chosen context's cluster or user) with the files it names read through the one safe
 * read and passed inline, base64, as `…-data`: client-node would read them itself, synchronously and
 * uncapped, so a FIFO there would hang qci. A `-data` key already set wins and its file is not read
 * (kubectl: "certificate-authority-data will override"). Unreadable: refused, naming the path.
 */
export function inlineFiles(
  entry: RawEntry | undefined,
  section: 'cluster' | 'user',
): RawEntry | undefined {
  const body = entry?.[section] as Record<string, unknown> | undefined;
  if (!entry || typeof body !== 'object' || body === null) return entry;
  const copy: Record<string, unknown> = { ...body };
  for (const [fileKey, dataKey] of FILE_KEYS[section]) {
    const path = copy[fileKey];
    delete copy[fileKey];
    if (typeof path !== 'string' || path === '' || copy[dataKey]) continue;
    const what = `kubeconfig ${section} "${String(entry.name)}": ${fileKey}`;
    copy[dataKey] = Buffer.from(readNamedFile(path, what)).toString('base64');
  }
  return { ...entry, [section]: copy };
}

/** A file a kubeconfig names, through the one safe read; any failure names the entry and the path. */
function readNamedFile(path: string, what: string): string {
  try {
    return readFileSafeSync(path, {
      maxBytes: MAX_BYTES.kubeconfig,
      what: `${what} file`,
    });
  } catch (error) {
    if (error instanceof QciError)
      throw new QciError(error.message, {
        kind: error.kind,
        hint: `point ${what} in the kubeconfig at the regular file it means`,
      });
    throw new QciError(
      `${what} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { kind: 'bad-kubeconfig', hint: `fix ${what} in the kubeconfig` },
    );
  }
}

/**
 * How many values `doc` holds when every alias is expanded, counted up to `limit` (undefined beyond it).
 * A document without aliases holds fewer values than it has characters.
 */
export function expandedNodes(doc: unknown, limit: number): number | undefined {
  let count = 0;
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const value = stack.pop();
    if (++count > limit) return undefined;
    if (value !== null && typeof value === 'object')
      for (const inner of Object.values(value)) stack.push(inner);
  }
  return count;
}

/** The kubeconfig files as parsed, in order (a file that does not exist is skipped, as kubectl does). */
export interface ReadKubeconfigs {
  paths: string[];
  docs: { file: string; doc: Record<string, unknown> }[];
}

/** Reads and parses each kubeconfig file: not checked (loadKubeconfig checks them), not merged. */
export async function readKubeconfigs(
  env: Record<string, string | undefined>,
): Promise<ReadKubeconfigs> {
  const paths = kubeconfigPaths(env);
  const { load, CORE_SCHEMA } = await import('js-yaml');
  const docs: ReadKubeconfigs['docs'] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = readFileSafeSync(file, {
        maxBytes: MAX_BYTES.kubeconfig,
        what: 'kubeconfig',
      });
    } catch (error) {
      if (error instanceof QciError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // kubectl skips missing files in KUBECONFIG
      throw badFile(file, `cannot read it (${code ?? 'error'})`);
    }
    let doc: unknown;
    try {
      // js-yaml, as the kube client itself reads kubeconfigs: one pass, several times faster than yaml's
      // document model on a kubeconfig of many contexts (80 ms for 40 on the CI machine, at every
      // command). The core schema is YAML 1.2's, as yaml's default: no timestamps, no merge keys.
      doc = load(text, { schema: CORE_SCHEMA, filename: file });
    } catch (error) {
      const line = (error as { mark?: { line?: number } }).mark?.line;
      throw badFile(
        file,
        `not valid YAML${line !== undefined ? ` (line ${line + 1})` : ''}`,
      );
    }
    // An alias shares its node; expanded (JSON, the kube client) a few lines could become gigabytes.
    if (expandedNodes(doc, 10_000 + text.length) === undefined)
      throw badFile(file, 'not valid YAML (too many aliases)');
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== 'object' || Array.isArray(doc))
      throw badFile(file, 'not a kubeconfig (expected a mapping)');
    docs.push({ file, doc: doc as Record<string, unknown> });
  }
  return { paths, docs };
}

type KubeconfigDoc = {
  clusters?: RawEntry[] | null;
  users?: RawEntry[] | null;
  contexts?: RawEntry[] | null;
  'current-context'?: string | null;
};

/**
 * The kubeconfig files, read (or as `read` holds them: kube/warm.ts read them first), each checked
 * against the schema, merged as kubectl merges them.
 */
export async function loadKubeconfig(
  env: Record<string, string | undefined>,
  read?: ReadKubeconfigs,
): Promise<MergedKubeconfig> {
  // js-yaml and the zod schema load with the first kubeconfig read: docker-credential-qci starts without
  // either when QCI_TOKEN_FILE is set (and a static module keeps zod tree-shaken in the bundles).
  const [files, { validKubeconfig: validate }] = await Promise.all([
    read ?? readKubeconfigs(env),
    import('./kubeconfig-schema.js'),
  ]);
  return mergeKubeconfigs(files, (doc, file) => {
    const result = validate(doc);
    if (typeof result === 'string') throw badFile(file, result);
    return result as KubeconfigDoc;
  });
}

/**
 * Merges the files as kubectl does: the first file to name an entry wins, and the first to set
 * current-context. `check` gives each document's checked form; without it (kube/warm.ts, looking only
 * for app.ci's server) the documents are taken as they are.
 */
export function mergeKubeconfigs(
  read: ReadKubeconfigs,
  check: (doc: unknown, file: string) => KubeconfigDoc = (doc) =>
    doc as KubeconfigDoc,
): MergedKubeconfig {
  const merged: MergedKubeconfig = {
    config: {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [],
      users: [],
      contexts: [],
    },
    files: [],
    contextSource: new Map(),
  };
  const seen = {
    clusters: new Set<string>(),
    users: new Set<string>(),
    contexts: new Set<string>(),
  };

  for (const { file, doc } of read.docs) {
    const raw = check(doc, file);
    merged.files.push(file);
    for (const section of ['clusters', 'users', 'contexts'] as const) {
      for (const entry of (raw[section] ?? []) as RawEntry[]) {
        const name = entry.name as string;
        if (seen[section].has(name)) continue; // first file wins
        seen[section].add(name);
        const value =
          section === 'contexts' ? entry : resolvePaths(entry, section, file);
        merged.config[section].push(value);
        if (section === 'contexts') merged.contextSource.set(name, file);
      }
    }
    const current = raw['current-context'];
    if (
      merged.config['current-context'] === undefined &&
      typeof current === 'string' &&
      current !== ''
    ) {
      merged.config['current-context'] = current;
    }
  }

  if (merged.files.length === 0) {
    throw new QciError(
      read.paths.length > 0
        ? `no kubeconfig found (looked at ${read.paths.join(', ')})`
        : 'no kubeconfig found: KUBECONFIG names no file',
      {
        kind: 'no-kubeconfig',
        hint: LOGIN_HINT,
      },
    );
  }
  return merged;
}

/**
 * The context for a build farm: one named after the cluster (`build02`), else one whose cluster server
 * has the cluster's name as a host label (`https://api.build02.….openshift.com:6443`).
 */
export function findClusterContext(
  merged: MergedKubeconfig,
  cluster: string,
): { name: string; foundBy: string } | null {
  const contexts = merged.config.contexts;
  if (contexts.some((c) => c.name === cluster))
    return { name: cluster, foundBy: `named ${cluster}` };
  for (const ctx of contexts) {
    const clusterName = (ctx.context as { cluster?: string } | undefined)
      ?.cluster;
    const entry = merged.config.clusters.find((c) => c.name === clusterName);
    const server = (entry?.cluster as { server?: string } | undefined)?.server;
    if (!server) continue;
    try {
      const labels = new URL(server).hostname.split('.');
      // api.build02.…, not api.build02.vmc.… (vsphere02, a different cluster with its own tokens).
      if (
        labels[0] === 'api' &&
        labels[1] === cluster &&
        !labels.includes('vmc')
      )
        return { name: String(ctx.name), foundBy: `server ${server}` };
    } catch {
      // not a URL: not this one
    }
  }
  return null;
}
