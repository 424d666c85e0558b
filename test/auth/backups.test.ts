import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { backupKeepsSomething } from '../../src/auth/backups.js';
import {
  removeCredHelper,
  removeCredentials,
  setCredential,
} from '../../src/auth/index.js';
import { b64, OLD_TOKEN, QCI, TOKEN, useSandbox } from './sandbox.js';

describe('backupKeepsSomething: a backup only when the new file lost something', () => {
  const cases: [string, string, unknown, boolean][] = [
    ['same JSON', '{"auths": {}}', { auths: {} }, false],
    ['an entry added', '{"auths": {}}', { auths: { a: { auth: 'x' } } }, false],
    ['a key added', '{"a": 1}', { a: 1, b: 2 }, false],
    ['an empty object', '{}', { auths: { a: {} } }, false],
    ['tabs or spaces only', '{\n\t"a":\t[1, 2]\n}', { a: [1, 2] }, false],
    ['an entry removed', '{"auths": {"a": {}}}', { auths: {} }, true],
    ['a key removed', '{"a": 1, "b": 2}', { a: 1 }, true],
    [
      'a field of an entry removed',
      '{"a": {"auth": "x", "email": "e"}}',
      { a: { auth: 'x' } },
      true,
    ],
    ['a value changed', '{"a": {"auth": "x"}}', { a: { auth: 'y' } }, true],
    ['an array changed', '{"a": [1, 2]}', { a: [1, 2, 3] }, true],
    ['an object became a string', '{"a": {}}', { a: 'x' }, true],
    [
      'a duplicate key (JSON.parse keeps the last)',
      '{"a": 1, "a": 2}',
      { a: 2 },
      true,
    ],
    [
      'a number JSON.parse rounds',
      '{"a": 12345678901234567890}',
      { a: JSON.parse('12345678901234567890') },
      true,
    ],
    ['an escape JSON.parse decodes', '{"a": "\\u00e9"}', { a: 'é' }, true],
    ['not JSON', '{"a": ', { a: 1 }, true],
  ];
  it.each(cases)('%s', (_, text, next, keeps) => {
    expect(backupKeepsSomething(text, next)).toBe(keeps);
  });
});

describe('the backups the edits write', () => {
  const sb = useSandbox();
  let target: string;
  const FIXED = () => new Date('2026-11-28T12:00:00.123Z');
  const backups = () =>
    readdirSync(dirname(target)).filter((n) => n.includes('.qci-backup-'));
  beforeEach(() => {
    target = join(sb.runtimeDir, 'containers', 'auth.json');
  });

  it('logging in to an empty file, or one without QCI, writes none', async () => {
    sb.write(target, { auths: {} });
    expect(
      (await setCredential(target, QCI, 'u', TOKEN)).backupPath,
    ).toBeUndefined();
    sb.write(target, { auths: { 'quay.io': { auth: b64('a:b') } } });
    expect(
      (await setCredential(target, QCI, 'u', TOKEN)).backupPath,
    ).toBeUndefined();
    expect(backups()).toEqual([]);
  });

  it('logging in over an older QCI secret keeps it in a backup', async () => {
    sb.write(target, { auths: { [QCI]: { auth: b64(`u:${OLD_TOKEN}`) } } });
    const result = await setCredential(target, QCI, 'u', TOKEN, { now: FIXED });
    expect(result.backupPath).toBe(`${target}.qci-backup-20261128T120000Z`);
    expect(readFileSync(result.backupPath ?? '', 'utf8')).toContain(
      b64(`u:${OLD_TOKEN}`),
    );
  });

  it('removing QCI writes none (the backup would be the new file), whatever else the file holds', async () => {
    for (const others of [{}, { 'quay.io': { auth: b64('a:b') } }]) {
      sb.write(target, {
        auths: { [QCI]: { auth: b64('u:p') }, ...others },
        psFormat: 'x',
      });
      const result = await removeCredentials(target, QCI);
      expect(result.removed).toEqual([QCI]);
      expect(result.backupPath).toBeUndefined();
    }
    expect(backups()).toEqual([]);
  });

  it('an older backup left holding nothing but what the file holds is removed when QCI is cut from it', async () => {
    sb.write(target, { auths: { [QCI]: { auth: b64(`u:${OLD_TOKEN}`) } } });
    await setCredential(target, QCI, 'u', TOKEN, { now: FIXED });
    expect(backups()).toHaveLength(1);
    await removeCredentials(target, QCI);
    expect(backups()).toEqual([]);
  });

  it('an older backup that still keeps another entry is rewritten without QCI, not removed', async () => {
    sb.write(target, {
      auths: {
        [QCI]: { auth: b64(`u:${OLD_TOKEN}`) },
        'quay.io': { auth: b64('a:b') },
      },
    });
    const login = await setCredential(target, QCI, 'u', TOKEN, { now: FIXED });
    sb.write(target, { auths: { [QCI]: { auth: b64(`u:${TOKEN}`) } } });
    await removeCredentials(target, QCI);
    expect(backups()).toHaveLength(1);
    const kept = JSON.parse(readFileSync(login.backupPath ?? '', 'utf8'));
    expect(kept).toEqual({ auths: { 'quay.io': { auth: b64('a:b') } } });
  });

  it('removing a credential helper keeps a backup naming it', async () => {
    sb.write(target, { credHelpers: { [QCI]: 'qci' } });
    const result = await removeCredHelper(target, QCI);
    expect(result.backupPath).toBeDefined();
    expect(JSON.parse(readFileSync(result.backupPath ?? '', 'utf8'))).toEqual({
      credHelpers: { [QCI]: 'qci' },
    });
  });
});
