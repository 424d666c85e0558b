/** --fix acts on what the findings name: which entries it removes, from which files. */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { found, type Finding } from '../../src/doctor/catalogue.js';
import { deadEntries, removeDeadEntries } from '../../src/doctor/fix.js';
import type { AuthSetup } from '../../src/session/setup.js';
import { basic, DEAD, DOCKER, HOST, LIVE, PRIMARY } from './fake.js';
import { tempDir } from '../helpers/temp.js';

const at = (file: string, key = HOST) => ({
  finding: { key, file, usedBy: [] as const },
  subject: { kind: 'entry', file, key, format: 'auth.json' } as const,
});
const dead = (file: string, key = HOST): Finding => {
  const { finding, subject } = at(file, key);
  return found(
    'auth.expired',
    { ...finding, masked: 'x', unreachable: false },
    subject,
  );
};
const liveAt = (file: string, key: string): Finding => {
  const { finding, subject } = at(file, key);
  return found('auth.valid', { ...finding, current: false }, subject);
};
const live = (file: string): Finding => {
  const { finding, subject } = at(file);
  return found('auth.valid', { ...finding, current: false }, subject);
};
const other = (file: string): Finding => {
  const { finding, subject } = at(file);
  return found('auth.other-user', finding, subject);
};
const old = (file: string): Finding => {
  const { subject } = at(file, 'registry.ci.openshift.org');
  return found('old.auth-decommissioned', { key: subject.key, file }, subject);
};
const files = (findings: Finding[]) =>
  deadEntries(findings).map((f) => [f.file, f.keys]);
const REPO = `${HOST}/openshift/ci`;

describe('deadEntries: --fix removes exactly the entries marked safe', () => {
  // biome-ignore format: one line per case
  it.each([
    ['one expired entry', [dead(PRIMARY)], [[PRIMARY, [HOST]]]],
    ['expired beside live: only the expired key', [dead(PRIMARY), live(PRIMARY)], [[PRIMARY, [HOST]]]],
    ['expired beside a valid per-repository key', [dead(PRIMARY), liveAt(PRIMARY, REPO)], [[PRIMARY, [HOST]]]],
    ["expired beside another user's", [dead(PRIMARY), other(PRIMARY)], [[PRIMARY, [HOST]]]],
    ['expired and decommissioned', [dead(PRIMARY), old(PRIMARY)], [[PRIMARY, [HOST, 'registry.ci.openshift.org']]]],
    ['decommissioned beside live', [live(DOCKER), old(DOCKER)], [[DOCKER, ['registry.ci.openshift.org']]]],
    ['two files', [live(PRIMARY), dead(DOCKER), dead(DOCKER, REPO)], [[DOCKER, [HOST, REPO]]]],
    ['nothing dead', [live(PRIMARY), other(DOCKER)], []],
    ['nothing found', [], []],
  ])('%s', (_, findings, expected) => {
    expect(files(findings)).toEqual(expected);
  });

  it('keeps the format the entry was read in', () => {
    expect(deadEntries([dead(PRIMARY)])).toEqual([
      { file: PRIMARY, format: 'auth.json', keys: [HOST] },
    ]);
  });
});

describe('removeDeadEntries: only the dead keys leave the file', () => {
  it('keeps a valid per-repository key and everything else; no backup, which would hold only what the file still holds', async () => {
    const dir = tempDir('qci-fix-');
    const file = join(dir, 'auth.json');
    const json = {
      auths: {
        [HOST]: basic(DEAD),
        [REPO]: basic(LIVE),
        'quay.io': basic('quay-secret'),
      },
      credHelpers: { 'gcr.io': 'gcloud' },
    };
    writeFileSync(file, JSON.stringify(json));
    const setup = { home: dir } as AuthSetup;
    const done = await removeDeadEntries(setup, [
      dead(file),
      liveAt(file, REPO),
    ]);
    expect(done).toEqual([
      expect.stringMatching(/^removed \S+ from ~\/auth\.json$/),
    ]);
    const { auths, credHelpers } = JSON.parse(readFileSync(file, 'utf8'));
    expect(auths).toEqual({
      [REPO]: basic(LIVE),
      'quay.io': basic('quay-secret'),
    });
    expect(credHelpers).toEqual({ 'gcr.io': 'gcloud' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const backups = readdirSync(dir).filter((n) => n.includes('.qci-backup-'));
    expect(backups).toEqual([]);
    // Nothing dead left: nothing written.
    expect(await removeDeadEntries(setup, [dead(file)])).toEqual([]);
  });
});
