/** --fix acts on what the findings name: which entries it removes, from which files. */
import { describe, expect, it } from 'vitest';
import { found, type Finding } from '../../src/doctor/catalogue.js';
import { deadEntries } from '../../src/doctor/fix.js';
import { DOCKER, HOST, PRIMARY } from './fake.js';

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
