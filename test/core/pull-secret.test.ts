import { describe, expect, it } from 'vitest';
import {
  describeChanges,
  maskedAuth,
  parseServiceAccount,
  personalTokenWarning,
  pullSecretChanges,
  pullSecretExpiresSoon,
  pullSecretHosts,
  renewPullSecretCommand,
} from '../../src/core/pull-secret.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const DAY = 86_400_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const TOKEN = `sha256~${'A'.repeat(43)}`;
const QCI = 'quay-proxy.ci.openshift.org';

describe('pullSecretHosts: QCI first, app.ci registry when asked, each once', () => {
  it.each([
    [QCI, false, [QCI]],
    [QCI, true, [QCI, 'registry.ci.openshift.org']],
    ['127.0.0.1:5000', true, ['127.0.0.1:5000', 'registry.ci.openshift.org']],
    ['registry.ci.openshift.org', true, ['registry.ci.openshift.org']],
  ] as const)('%s, app.ci %s → %j', (host, withAppCi, hosts) => {
    expect(pullSecretHosts(host, withAppCi)).toEqual(hosts);
  });
});

describe('pullSecretExpiresSoon: alive and within 7 days', () => {
  it.each([
    [null, false],
    [at(-DAY), false], // dead, not "soon"
    [at(DAY), true],
    [at(7 * DAY), true],
    [at(7 * DAY + 1000), false],
    [at(3 * DAY).toISOString(), true],
  ] as const)('%s: %s', (expiresAt, soon) => {
    expect(pullSecretExpiresSoon(expiresAt, NOW)).toBe(soon);
  });
});

describe('parseServiceAccount: NAMESPACE/NAME', () => {
  it.each([
    [
      'my-project/image-puller',
      { project: 'my-project', name: 'image-puller' },
    ],
    ['my-project', undefined],
    ['a/b/c', undefined],
    ['/b', undefined],
    ['a/', undefined],
    ['a b/c', undefined],
  ] as const)('%s → %j', (text, parsed) => {
    expect(parseServiceAccount(text)).toEqual(parsed);
  });
});

describe('maskedAuth: user:token with the token cut to a recognisable prefix', () => {
  it.each([
    [b64(`alice:${TOKEN}`), 'alice:sha256~AAAA…'],
    [b64('p/sa:eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'), 'p/sa:eyJh…'],
    [b64('u:short'), 'u:…'],
    [b64('no-colon'), undefined],
    ['%%%', undefined],
    [42, undefined],
  ] as const)('%s → %s', (auth, masked) => {
    expect(maskedAuth(auth)).toBe(masked);
  });
});

describe('pullSecretChanges: what a change does to each entry, masked', () => {
  const quay = { auth: b64('rh:quay-secret'), email: 'a@b.c' };
  const old = { auth: b64(`alice:sha256~${'B'.repeat(43)}`) };
  const next = { auth: b64(`alice:${TOKEN}`) };
  it('keeps, replaces and adds, in file order, no secret in the text', () => {
    const changes = pullSecretChanges(
      { auths: { 'quay.io': quay, [QCI]: old } },
      {
        auths: {
          'quay.io': quay,
          [QCI]: next,
          'registry.ci.openshift.org': next,
        },
      },
    );
    expect(changes.map((c) => [c.key, c.change])).toEqual([
      ['quay.io', 'kept'],
      [QCI, 'replaced'],
      ['registry.ci.openshift.org', 'added'],
    ]);
    const text = describeChanges(changes).join('\n');
    expect(text).toContain('= quay.io                      kept as it is');
    expect(text).toContain(`~ ${QCI}  alice:sha256~BBBB… → alice:sha256~AAAA…`);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('quay-secret');
  });
  it('from nothing (a new Secret): every entry added', () => {
    expect(
      pullSecretChanges(null, { auths: { [QCI]: next } }).map((c) => c.change),
    ).toEqual(['added']);
  });
});

describe('the words about a pull secret', () => {
  it('a personal token: when it dies and the ServiceAccount way', () => {
    expect(personalTokenWarning('alice', at(27 * DAY), NOW)).toBe(
      "this pull secret holds alice's own app.ci token, which expires in 27 days (2026-12-28T12:00:00.000Z); " +
        'for a cluster or automation that must outlive it, use a ServiceAccount: --service-account NAMESPACE/NAME --duration 720h',
    );
  });
  it.each([
    [
      'system:serviceaccount:p:image-puller',
      'qci pull-secret --service-account p/image-puller --merge ps.txt',
    ],
    [null, 'qci pull-secret --service-account NAMESPACE/NAME --merge ps.txt'],
    [
      'alice',
      'qci pull-secret --service-account NAMESPACE/NAME --merge ps.txt',
    ],
  ] as const)('renewal for %s: %s', (owner, command) => {
    expect(renewPullSecretCommand(owner, 'ps.txt')).toBe(command);
  });
});
