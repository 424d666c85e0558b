import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { QciError } from '../../src/core/errors.js';
import {
  backupStamp,
  lockPathFor,
  readAuthFile,
  removeCredHelper,
  removeCredentials,
  setCredHelper,
  setCredential,
  updateAuthFile,
} from '../../src/auth/index.js';
import { b64, OLD_TOKEN, QCI, TOKEN, useSandbox } from './sandbox.js';

const FIXED = () => new Date('2026-11-28T12:00:00.123Z');
const mode = (path: string) => statSync(path).mode & 0o777;
const json = (path: string) =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
const decode = (auth: string) => Buffer.from(auth, 'base64').toString('utf8');

async function rejection(promise: Promise<unknown>): Promise<QciError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(QciError);
    return error as QciError;
  }
  throw new Error('expected a rejection');
}

const sb = useSandbox();
let target: string;
beforeEach(() => {
  target = join(sb.runtimeDir, 'containers', 'auth.json');
});

/** Everything in the target's directory but the target: backups, temp files, locks. */
const siblings = (path = target) =>
  readdirSync(dirname(path))
    .filter((n) => n !== 'auth.json' && n !== 'config.json')
    .sort();

describe('updateAuthFile', () => {
  it('creates a missing file 0600 in new 0700 directories, tab-indented, without a backup', async () => {
    const deep = join(sb.root, 'new', 'dirs', 'auth.json');
    const result = await updateAuthFile(deep, (j) => {
      j.auths = { [QCI]: { auth: b64('u:p') } };
    });
    expect(result).toEqual({
      path: deep,
      changed: true,
      created: true,
      backupPath: undefined,
    });
    expect(mode(deep)).toBe(0o600);
    expect(mode(join(sb.root, 'new'))).toBe(0o700);
    expect(mode(join(sb.root, 'new', 'dirs'))).toBe(0o700);
    expect(readFileSync(deep, 'utf8')).toBe(
      `{\n\t"auths": {\n\t\t"${QCI}": {\n\t\t\t"auth": "${b64('u:p')}"\n\t\t}\n\t}\n}\n`,
    );
    expect(siblings(deep)).toEqual([]);
  });

  it('backs up the previous bytes (0600, timestamped), keeps the indentation, tightens the mode', async () => {
    const original =
      '{\n  "auths": {\n    "quay.io": {\n      "auth": "cTpw"\n    }\n  },\n  "psFormat": "table"\n}';
    sb.write(target, original);
    const result = await updateAuthFile(
      target,
      (j) => ({ ...j, psFormat: 'json' }),
      { now: FIXED },
    );
    const backup = `${target}.qci-backup-20261128T120000Z`;
    expect(result).toEqual({
      path: target,
      changed: true,
      created: false,
      backupPath: backup,
    });
    expect(readFileSync(backup, 'utf8')).toBe(original);
    expect(mode(backup)).toBe(0o600);
    expect(mode(target)).toBe(0o600);
    const text = readFileSync(target, 'utf8');
    expect(text).toBe(
      '{\n  "auths": {\n    "quay.io": {\n      "auth": "cTpw"\n    }\n  },\n  "psFormat": "json"\n}',
    );
    expect(siblings()).toEqual(['auth.json.qci-backup-20261128T120000Z']);
  });

  it('a second backup in the same second gets a suffix; old backups are pruned', async () => {
    sb.write(target, '{"k": -1}');
    for (let i = 0; i < 4; i++)
      await updateAuthFile(target, (j) => ({ ...j, k: i }), {
        now: FIXED,
        keepBackups: 3,
      });
    expect(siblings()).toEqual([
      'auth.json.qci-backup-20261128T120000Z-2',
      'auth.json.qci-backup-20261128T120000Z-3',
      'auth.json.qci-backup-20261128T120000Z-4',
    ]);
    expect(json(`${target}.qci-backup-20261128T120000Z-4`)).toEqual({ k: 2 });
  });

  it('backupStamp', () => {
    expect(backupStamp(FIXED())).toBe('20261128T120000Z');
  });

  it('a mutation that changes nothing does not rewrite or back up', async () => {
    sb.write(target, '{"auths": {}}');
    const before = statSync(target).mtimeMs;
    const result = await updateAuthFile(target, () => undefined);
    expect(result.changed).toBe(false);
    expect(statSync(target).mtimeMs).toBe(before);
    expect(siblings()).toEqual([]);
    // …and a missing file stays missing.
    const missing = join(sb.root, 'none', 'auth.json');
    expect((await updateAuthFile(missing, () => undefined)).changed).toBe(
      false,
    );
    expect(existsSync(missing)).toBe(false);
  });

  const corrupt: [string, string][] = [
    ['truncated JSON', `{"auths": {"${QCI}": {"auth": "${b64(`u:${TOKEN}`)}"`],
    ['a token pasted bare', `{"auths": {"${QCI}": {"auth": ${TOKEN}}}}`],
    ['an empty file', ''],
    ['a byte-order mark', '\uFEFF{}'],
    ['a top-level array', '[1, 2]'],
  ];
  it.each(corrupt)(
    'refuses %s: bytes unchanged, clear error, no secret, nothing left behind',
    async (_name, text) => {
      sb.write(target, text);
      let called = false;
      const error = await rejection(
        updateAuthFile(target, () => {
          called = true;
        }),
      );
      expect(called).toBe(false);
      expect(error.kind).toBe('auth-file-corrupt');
      expect(error.message).toContain(target);
      expect(error.message).toContain('left it unchanged');
      expect(error.hint).toContain(target);
      expect(`${error.message} ${error.hint}`).not.toContain(
        TOKEN.slice(7, 20),
      );
      expect(readFileSync(target, 'utf8')).toBe(text);
      expect(siblings()).toEqual([]);
    },
  );

  it('keepOneLine: a one-line file (an installer pull secret) stays one line; others and new files are indented', async () => {
    const add = (json: Record<string, any>) => {
      json.auths[QCI] = { auth: b64(`u:${TOKEN}`) };
    };
    sb.write(target, '{"auths":{"quay.io":{"auth":"eA=="}},"x":1}\n');
    await updateAuthFile(target, add, { keepOneLine: true });
    expect(readFileSync(target, 'utf8')).toBe(
      `{"auths":{"quay.io":{"auth":"eA=="},"${QCI}":{"auth":"${b64(`u:${TOKEN}`)}"}},"x":1}\n`,
    );
    sb.write(target, '{\n  "auths": {}\n}');
    await updateAuthFile(target, add, { keepOneLine: true });
    expect(readFileSync(target, 'utf8')).toMatch(/^\{\n {2}"auths"/);
    sb.write(target, '{"auths":{}}');
    await updateAuthFile(target, add);
    expect(readFileSync(target, 'utf8')).toMatch(/^\{\n\t"auths"/);
  });

  it('a mutation that throws leaves the file as it was and releases the lock', async () => {
    sb.write(target, '{"a": 1}');
    await expect(
      updateAuthFile(target, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(readFileSync(target, 'utf8')).toBe('{"a": 1}');
    expect(siblings()).toEqual([]);
  });

  it('writes through a symlink to its target, keeping the link', async () => {
    const real = join(sb.root, 'dotfiles', 'config.json');
    sb.write(real, '{"psFormat": "x"}');
    const link = join(sb.home, '.docker', 'config.json');
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(real, link);
    const result = await updateAuthFile(link, (j) => ({ ...j, auths: {} }), {
      backup: false,
    });
    expect(result.path).toBe(real);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(json(real)).toEqual({ psFormat: 'x', auths: {} });
  });
});

describe('setCredential', () => {
  it('writes auths[host].auth = base64(user:secret) and reads back', async () => {
    const result = await setCredential(target, QCI, 'alice', TOKEN);
    expect(result.key).toBe(QCI);
    expect(decode(json(target).auths[QCI].auth)).toBe(`alice:${TOKEN}`);
    const state = await readAuthFile(target);
    expect(state.state === 'ok' && state.entries[0]?.secret()).toBe(TOKEN);
  });

  it('keeps every other key and entry (credsStore, HttpHeaders, psFormat, other hosts, unknown fields)', async () => {
    const path = join(sb.home, '.docker', 'config.json');
    const before = {
      auths: {
        'quay.io': { auth: b64('q:p'), email: 'q@x', somethingNew: [1] },
        [QCI]: { auth: b64(`old:${OLD_TOKEN}`), identitytoken: 'idt' },
      },
      credsStore: 'desktop',
      credHelpers: { 'gcr.io': 'gcloud' },
      HttpHeaders: { 'User-Agent': 'me' },
      psFormat: 'table {{.ID}}',
      plugins: { x: { y: 'z' } },
    };
    sb.write(path, before);
    const result = await setCredential(path, QCI, 'alice', TOKEN, {
      now: FIXED,
    });
    const after = json(path);
    expect(after).toEqual({
      ...before,
      auths: { ...before.auths, [QCI]: { auth: b64(`alice:${TOKEN}`) } },
    });
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(result.warnings).toEqual([
      'credsStore makes docker ask docker-credential-desktop instead of this entry (podman ignores credsStore)',
    ]);
    expect(json(result.backupPath ?? '')).toEqual(before);
  });

  it('reports (or removes) the host’s other keys that could win over the new one', async () => {
    sb.write(target, {
      auths: {
        [`${QCI}/openshift/ci`]: { auth: b64(`u:${OLD_TOKEN}`) },
        [`https://${QCI}/v1/`]: {},
        'quay.io': {},
      },
    });
    const kept = await setCredential(target, QCI, 'u', TOKEN);
    expect(kept.otherKeysForHost).toEqual([
      `${QCI}/openshift/ci`,
      `https://${QCI}/v1/`,
    ]);
    expect(kept.removedKeys).toEqual([]);
    const removed = await setCredential(target, QCI, 'u', TOKEN, {
      removeOtherKeys: true,
    });
    expect(removed.removedKeys).toEqual([
      `${QCI}/openshift/ci`,
      `https://${QCI}/v1/`,
    ]);
    expect(Object.keys(json(target).auths)).toEqual(['quay.io', QCI]);
  });

  it('warns when credHelpers sends the host elsewhere', async () => {
    sb.write(target, { credHelpers: { [QCI]: 'pass' } });
    expect(
      (await setCredential(target, QCI, 'u', TOKEN)).warnings[0],
    ).toContain('docker-credential-pass');
  });

  it('writes into an existing "Auths" key (Go reads field names case-insensitively)', async () => {
    sb.write(target, { Auths: { 'quay.io': {} } });
    await setCredential(target, QCI, 'u', TOKEN);
    expect(Object.keys(json(target))).toEqual(['Auths']);
    expect(Object.keys(json(target).Auths)).toEqual(['quay.io', QCI]);
  });

  it('refuses an auths that is not an object, leaving the file unchanged', async () => {
    sb.write(target, '{"auths": "nope"}');
    const error = await rejection(setCredential(target, QCI, 'u', TOKEN));
    expect(error.message).toBe(
      `cannot update ${target}: "auths" must be a JSON object; qci left the file unchanged`,
    );
    expect(readFileSync(target, 'utf8')).toBe('{"auths": "nope"}');
  });

  it.each([
    ['a scheme', `https://${QCI}`, 'u', TOKEN, /has a scheme/],
    ['a space in the host', 'quay proxy', 'u', TOKEN, /is not a host/],
    ['an empty user', QCI, '', TOKEN, /user name/],
    ['a colon in the user', QCI, 'a:b', TOKEN, /user name/],
    ['an empty secret', QCI, 'u', '', /is empty/],
    ['a line break in the secret', QCI, 'u', `${TOKEN}\n`, /line break/],
  ])(
    'rejects %s without echoing the secret',
    async (_name, host, user, secret, message) => {
      const error = await rejection(setCredential(target, host, user, secret));
      expect(error.message).toMatch(message);
      expect(error.exitCode).toBe(2);
      expect(error.message).not.toContain(TOKEN.slice(7));
      expect(existsSync(target)).toBe(false);
    },
  );

  it('refuses to write the legacy format', async () => {
    const error = await rejection(
      setCredential(join(sb.home, '.dockercfg'), QCI, 'u', TOKEN),
    );
    expect(error.kind).toBe('unsupported-auth-file');
  });
});

describe('removeCredentials', () => {
  it('removes every key for the host (exact, URL forms, per-repository) and nothing else', async () => {
    const keep = {
      'quay.io': {},
      [`${QCI}.example.com`]: {},
      [`${QCI}:8443`]: {},
      [`https://example.com/${QCI}`]: {},
    };
    sb.write(target, {
      auths: {
        [QCI]: { auth: b64('a:b') },
        [`https://${QCI}/v1/`]: {},
        [`http://${QCI}`]: {},
        [`${QCI}/openshift/ci`]: {},
        [`${QCI}/openshift`]: {},
        ...keep,
      },
      credHelpers: { [QCI]: 'pass' },
      psFormat: 'x',
    });
    const result = await removeCredentials(target, QCI, { now: FIXED });
    expect(result.removed).toEqual([
      QCI,
      `https://${QCI}/v1/`,
      `http://${QCI}`,
      `${QCI}/openshift/ci`,
      `${QCI}/openshift`,
    ]);
    expect(result.helper).toBe('pass');
    expect(json(target)).toEqual({
      auths: keep,
      credHelpers: { [QCI]: 'pass' },
      psFormat: 'x',
    });
    // The backup would hold only what the file still holds (the removed secrets are kept out of it).
    expect(result.backupPath).toBeUndefined();
    expect(siblings()).toEqual([]);
  });

  it('accepts a URL as the host', async () => {
    sb.write(target, { auths: { [QCI]: {} } });
    expect(
      (await removeCredentials(target, `https://${QCI}/v1/`)).removed,
    ).toEqual([QCI]);
  });

  it('works on the legacy ~/.dockercfg', async () => {
    const legacy = join(sb.home, '.dockercfg');
    sb.write(legacy, {
      [`https://${QCI}`]: { auth: b64('a:b'), email: 'x' },
      'quay.io': {},
    });
    expect(
      (await removeCredentials(legacy, QCI, { backup: false })).removed,
    ).toEqual([`https://${QCI}`]);
    expect(json(legacy)).toEqual({ 'quay.io': {} });
  });

  it('a missing file or nothing to remove: no write', async () => {
    expect(await removeCredentials(target, QCI)).toMatchObject({
      removed: [],
      changed: false,
    });
    expect(existsSync(target)).toBe(false);
    sb.write(target, { auths: { 'quay.io': {} } });
    expect(await removeCredentials(target, QCI)).toMatchObject({
      removed: [],
      changed: false,
      backupPath: undefined,
    });
  });
});

describe('credential helpers', () => {
  it('setCredHelper / removeCredHelper keep everything else', async () => {
    sb.write(target, {
      auths: { [QCI]: {} },
      credHelpers: { 'gcr.io': 'gcloud' },
    });
    await setCredHelper(target, QCI, 'secretservice', { backup: false });
    expect(json(target)).toEqual({
      auths: { [QCI]: {} },
      credHelpers: { 'gcr.io': 'gcloud', [QCI]: 'secretservice' },
    });
    const removed = await removeCredHelper(target, QCI, { backup: false });
    expect(removed.removed).toBe('secretservice');
    expect(json(target)).toEqual({
      auths: { [QCI]: {} },
      credHelpers: { 'gcr.io': 'gcloud' },
    });
    expect((await removeCredHelper(target, QCI)).changed).toBe(false);
  });

  it.each([
    ['a path in the host', `${QCI}/openshift`, 'pass', /per registry host/],
    ['a helper name with a slash', QCI, '../evil', /not a plain name/],
  ])('rejects %s', async (_name, host, helper, message) => {
    expect(
      (await rejection(setCredHelper(target, host, helper))).message,
    ).toMatch(message);
  });
});

describe('locking', () => {
  it('serialises concurrent writers in one process', async () => {
    const hosts = Array.from(
      { length: 25 },
      (_, i) => `registry${i}.example.com`,
    );
    await Promise.all(
      hosts.map((h) =>
        setCredential(target, h, 'u', `secret-${h}`, { backup: false }),
      ),
    );
    expect(Object.keys(json(target).auths).sort()).toEqual([...hosts].sort());
    expect(siblings()).toEqual([]);
  });

  it('waits for a live lock, then gives up with a clear error; the file is untouched', async () => {
    sb.write(target, '{}');
    writeFileSync(
      lockPathFor(target),
      JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'other' }),
    );
    const error = await rejection(
      setCredential(target, QCI, 'u', TOKEN, { lock: { timeoutMs: 150 } }),
    );
    expect(error.kind).toBe('auth-file-locked');
    expect(error.message).toBe(
      `${target} is locked by another qci process (pid ${process.pid})`,
    );
    expect(error.hint).toContain(lockPathFor(target));
    expect(readFileSync(target, 'utf8')).toBe('{}');
  });

  it('breaks a lock whose process is gone', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(
      lockPathFor(target),
      JSON.stringify({ pid: dead, host: hostname(), nonce: 'dead' }),
    );
    await setCredential(target, QCI, 'u', TOKEN, { lock: { timeoutMs: 2000 } });
    expect(Object.keys(json(target).auths)).toEqual([QCI]);
    expect(existsSync(lockPathFor(target))).toBe(false);
  });

  it('breaks a lock older than staleMs even if its pid is alive (or on another host)', async () => {
    mkdirSync(dirname(target), { recursive: true });
    const lock = lockPathFor(target);
    writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, host: 'elsewhere', nonce: 'old' }),
    );
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await setCredential(target, QCI, 'u', TOKEN, {
      lock: { timeoutMs: 2000, staleMs: 30_000 },
    });
    expect(existsSync(lock)).toBe(false);
    expect(siblings()).toEqual([]);
  });

  it('does not break a fresh lock from another host', async () => {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(
      lockPathFor(target),
      JSON.stringify({ pid: 1, host: 'elsewhere', nonce: 'x' }),
    );
    expect(
      (
        await rejection(
          setCredential(target, QCI, 'u', TOKEN, { lock: { timeoutMs: 100 } }),
        )
      ).kind,
    ).toBe('auth-file-locked');
  });
});
