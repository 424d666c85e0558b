/**
 * What `oc login` adds to a kubeconfig (openshift/oc pkg/helpers/kubeconfig/smart_merge.go), as an edit
 * of the YAML document: every other cluster, user, context, key and comment stays as it was.
 *
 * Names in oc's style: cluster `api-ci-l2s4-p1-openshiftapps-com:6443` (host:port, dots as dashes), user
 * `<name>/<cluster>`, context `<namespace>/<cluster>/<name>`; an existing context with the same cluster, user
 * and namespace is reused, as oc's MergeConfig does, and becomes the current context.
 */
import { isMap, isSeq, parseDocument, type Document, YAMLSeq } from 'yaml';
import { QciError } from '../core/errors.js';

export interface LoginEntry {
  server: string;
  /** --certificate-authority (absolute path), kept as oc keeps it. */
  certificateAuthority?: string | undefined;
  username: string;
  token: string;
  namespace: string;
}

export interface LoginNames {
  cluster: string;
  user: string;
  context: string;
  /** A context named app.ci (the docs' rename) on this server now uses the new user entry too. */
  retargeted: string[];
}

/** `https://api.ci.l2s4.p1.openshiftapps.com:6443` → `api-ci-l2s4-p1-openshiftapps-com:6443` */
export function clusterNickname(server: string): string {
  const url = new URL(server);
  const port = url.port || (url.protocol === 'http:' ? '80' : '443');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return hostPort.replace(/\./g, '-');
}

const norm = (server: unknown) =>
  String(server ?? '')
    .trim()
    .toLowerCase()
    .replace(/\/+$/, '');

function section(doc: Document, key: string, file: string): YAMLSeq {
  const value = doc.get(key, true);
  if (value === undefined || value === null) {
    const seq = new YAMLSeq();
    doc.set(key, seq);
    return seq;
  }
  if (!isSeq(value))
    throw new QciError(
      `kubeconfig ${file}: "${key}" is not a list; qci left the file unchanged`,
      { kind: 'bad-kubeconfig', hint: `fix ${file}` },
    );
  return value as YAMLSeq;
}

type Obj = Record<string, unknown>;
const plain = (node: unknown): Obj =>
  isMap(node) ? (node.toJSON() as Obj) : {};
/** `entry.cluster`, `entry.context`, … of a list item, as a plain object. */
const body = (node: unknown, key: string): Obj => {
  const value = plain(node)[key];
  return typeof value === 'object' && value !== null ? (value as Obj) : {};
};

/** Returns the new text of the kubeconfig (`text` undefined: the file does not exist yet). */
export function addLogin(
  text: string | undefined,
  entry: LoginEntry,
  file: string,
): { text: string; names: LoginNames } {
  const doc = parseDocument(text ?? '', { keepSourceTokens: false });
  if (doc.errors.length > 0)
    throw new QciError(
      `kubeconfig ${file} is not valid YAML; qci left it unchanged`,
      { kind: 'bad-kubeconfig', hint: `fix or move ${file}` },
    );
  if (doc.contents === null || doc.contents === undefined) {
    doc.contents = doc.createNode({
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
    }) as never;
  } else if (!isMap(doc.contents)) {
    throw new QciError(
      `kubeconfig ${file} is not a mapping; qci left it unchanged`,
      { kind: 'bad-kubeconfig', hint: `fix or move ${file}` },
    );
  }
  const clusters = section(doc, 'clusters', file);
  const users = section(doc, 'users', file);
  const contexts = section(doc, 'contexts', file);

  const cluster = clusterNickname(entry.server);
  const user = `${entry.username}/${cluster}`;
  const index = (seq: YAMLSeq, name: string) =>
    seq.items.findIndex((item) => plain(item).name === name);

  // The cluster: server and CA as given; other keys of an existing entry (proxy-url, …) stay.
  const clusterAt = index(clusters, cluster);
  const old = clusterAt >= 0 ? body(clusters.items[clusterAt], 'cluster') : {};
  const {
    'certificate-authority': _f,
    'certificate-authority-data': _d,
    ...keep
  } = old;
  const clusterBody: Obj = { ...keep, server: entry.server };
  if (entry.certificateAuthority)
    clusterBody['certificate-authority'] = entry.certificateAuthority;
  else if (norm(old.server) === norm(entry.server)) {
    if (_f !== undefined) clusterBody['certificate-authority'] = _f;
    if (_d !== undefined) clusterBody['certificate-authority-data'] = _d;
  }
  const clusterNode = doc.createNode({ name: cluster, cluster: clusterBody });
  if (clusterAt >= 0) clusters.items[clusterAt] = clusterNode;
  else clusters.items.push(clusterNode);

  // The user: replaced whole, as oc does (an old client certificate or tokenFile must not win over the token).
  const userNode = doc.createNode({ name: user, user: { token: entry.token } });
  const userAt = index(users, user);
  if (userAt >= 0) users.items[userAt] = userNode;
  else users.items.push(userNode);

  // The context: reuse one with the same cluster, user and namespace.
  const same = contexts.items.find((item) => {
    const c = body(item, 'context');
    return (
      c.cluster === cluster &&
      c.user === user &&
      (c.namespace ?? '') === entry.namespace
    );
  });
  let context = same ? String(plain(same).name) : '';
  if (!context) {
    context = `${entry.namespace}/${cluster}/${entry.username}`;
    const node = doc.createNode({
      name: context,
      context: {
        cluster,
        namespace: entry.namespace,
        user,
      },
    });
    const at = index(contexts, context);
    if (at >= 0) contexts.items[at] = node;
    else contexts.items.push(node);
  }

  // The docs have users rename oc's context to app.ci; qci picks that name first, so it must see the new token.
  const retargeted: string[] = [];
  for (const item of contexts.items) {
    if (plain(item).name !== 'app.ci' || !isMap(item)) continue;
    const inner = body(item, 'context');
    const its = clusters.items.find((x) => plain(x).name === inner.cluster);
    if (norm(body(its, 'cluster').server) !== norm(entry.server)) continue;
    if (inner.user === user) continue;
    item.setIn(['context', 'user'], user);
    retargeted.push('app.ci');
  }

  doc.set('current-context', context);
  if (!doc.has('apiVersion')) doc.set('apiVersion', 'v1');
  if (!doc.has('kind')) doc.set('kind', 'Config');
  return {
    text: doc.toString(),
    names: { cluster, user, context, retargeted },
  };
}
