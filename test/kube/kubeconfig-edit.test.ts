/**
 * The kubeconfig edit of qci login --web, against generated kubeconfigs: whatever was there stays, the new
 * login is what kubectl-style reading (loadKubeconfig + findAppCiContext) then finds.
 */
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { findAppCiContext } from '../../src/kube/appci.js';
import { addLogin, clusterNickname } from '../../src/kube/kubeconfig-edit.js';
import { loadKubeconfig } from '../../src/kube/kubeconfig.js';
import { tempDir } from '../helpers/temp.js';

const SERVER = 'https://api.ci.l2s4.p1.openshiftapps.com:6443';
const CLUSTER = 'api-ci-l2s4-p1-openshiftapps-com:6443';
const TOKEN = `sha256~${'A'.repeat(43)}`;

describe('clusterNickname (oc GetClusterNicknameFromURL)', () => {
  it.each([
    [SERVER, CLUSTER],
    [
      'https://api.build02.gcp.ci.openshift.org:6443',
      'api-build02-gcp-ci-openshift-org:6443',
    ],
    ['https://127.0.0.1:8443', '127-0-0-1:8443'],
    ['https://example.com', 'example-com:443'],
    ['https://[::1]:6443', '[::1]:6443'],
  ])('%s → %s', (server, nick) => expect(clusterNickname(server)).toBe(nick));
});

const name = fc.stringMatching(/^[a-z][a-z0-9./:-]{0,20}$/);
const entries = (key: string, inner: fc.Arbitrary<object>) =>
  fc.uniqueArray(fc.record({ name, [key]: inner }), {
    selector: (e) => e.name,
    maxLength: 5,
  });
const kubeconfigArb = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Config'),
  clusters: entries(
    'cluster',
    fc.record({
      server: fc.constantFrom(
        SERVER,
        'https://api.build02.example.com:6443',
        'https://10.0.0.1:6443',
      ),
      'proxy-url': fc.constant('http://proxy:3128'),
    }),
  ),
  users: entries(
    'user',
    fc.record({ token: fc.stringMatching(/^sha256~[a-zA-Z0-9]{4,10}$/) }),
  ),
  contexts: entries(
    'context',
    fc.record({ cluster: name, user: name, namespace: name }),
  ),
  'current-context': name,
  preferences: fc.constant({}),
  'x-extra': fc.dictionary(name, fc.string(), { maxKeys: 2 }),
});

type Entry = { name: string; [k: string]: unknown };
type Kc = {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: Entry[];
  contexts: Entry[];
  [k: string]: unknown;
};

describe('addLogin', () => {
  it('keeps every entry it does not own, and the new context resolves to the new token', async () => {
    const dir = tempDir('qci-kc-edit-');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        kubeconfigArb,
        fc.constantFrom('alice', 'bob'),
        async (generated, username) => {
          const before = generated as unknown as Kc;
          const path = join(dir, `config-${++n}`);
          const { text, names } = addLogin(
            stringify(before),
            { server: SERVER, username, token: TOKEN, namespace: 'default' },
            path,
          );
          expect(names.cluster).toBe(CLUSTER);
          expect(names.user).toBe(`${username}/${CLUSTER}`);
          const after = parse(text) as Kc;
          for (const key of ['apiVersion', 'kind', 'preferences', 'x-extra'])
            expect(after[key]).toEqual(before[key]);
          const kept = (list: Entry[], own: string) =>
            list.filter((e) => e.name !== own);
          expect(kept(after.users, names.user)).toEqual(
            kept(before.users, names.user),
          );
          expect(kept(after.clusters, names.cluster)).toEqual(
            kept(before.clusters, names.cluster),
          );
          // Contexts: only an app.ci context on this server may change (its user), none disappears.
          expect(after.contexts.map((c) => c.name)).toEqual(
            expect.arrayContaining(before.contexts.map((c) => c.name)),
          );
          for (const c of before.contexts) {
            if (names.retargeted.includes(c.name)) continue;
            expect(after.contexts.find((x) => x.name === c.name)).toEqual(c);
          }
          // The cluster keeps its other keys when it existed.
          const old = before.clusters.find((c) => c.name === CLUSTER);
          const now = after.clusters.find((c) => c.name === CLUSTER)!;
          expect(now.cluster.server).toBe(SERVER);
          if (old) expect(now.cluster['proxy-url']).toBe('http://proxy:3128');

          writeFileSync(path, text);
          const merged = await loadKubeconfig({ KUBECONFIG: path });
          expect(merged.config['current-context']).toBe(names.context);
          const found = findAppCiContext(merged, {
            name: names.context,
            source: 'test',
          });
          expect(found.token).toBe(TOKEN);
          expect(found.server).toBe(SERVER);
          // And without --context: qci's own pick (app.ci by name, else by server) sees a live token
          // whenever it lands on the new login's server.
          const picked = findAppCiContext(merged);
          if (picked.name === 'app.ci' || picked.name === names.context)
            expect(picked.token === TOKEN || picked.server !== SERVER).toBe(
              true,
            );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a second login for the same user reuses the context and replaces only the token', () => {
    const first = addLogin(
      undefined,
      { server: SERVER, username: 'alice', token: TOKEN, namespace: 'default' },
      'f',
    );
    const second = addLogin(
      first.text,
      {
        server: SERVER,
        username: 'alice',
        token: `sha256~${'B'.repeat(43)}`,
        namespace: 'default',
      },
      'f',
    );
    const kc = parse(second.text) as {
      users: Entry[];
      contexts: Entry[];
      clusters: Entry[];
    };
    expect(kc.users).toHaveLength(1);
    expect(kc.contexts).toHaveLength(1);
    expect(kc.clusters).toHaveLength(1);
    expect(second.text).not.toContain(TOKEN);
    expect(second.names.context).toBe(`default/${CLUSTER}/alice`);
  });

  it.each([
    ['not YAML', 'clusters: [\n'],
    ['a list', '- a\n- b\n'],
    ['clusters not a list', 'clusters: {a: 1}\n'],
  ])('refuses a kubeconfig that is %s, naming the file', (_, text) => {
    expect(() =>
      addLogin(
        text,
        { server: SERVER, username: 'a', token: TOKEN, namespace: 'default' },
        '/x/config',
      ),
    ).toThrow(/\/x\/config.*unchanged/);
  });
});
