/** --fix acts on what the findings name: which files lose their QCI entries. */
import { describe, expect, it } from 'vitest';
import { found, type Finding } from '../../src/doctor/catalogue.js';
import { deadFiles } from '../../src/doctor/fix.js';
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
const timedOut = found('check.timeout', { check: 'auth files', seconds: 5 });
const files = (findings: Finding[]) => deadFiles(findings).map((f) => f.file);

describe('deadFiles: a file loses its QCI entries only when all are dead', () => {
  // biome-ignore format: one line per case
  it.each([
    ['one expired entry', [dead(PRIMARY)], [PRIMARY]],
    ['expired beside live', [dead(PRIMARY), live(PRIMARY)], []],
    ["expired beside another user's", [dead(PRIMARY), other(PRIMARY)], []],
    ['expired and decommissioned', [dead(PRIMARY), old(PRIMARY)], [PRIMARY]],
    ['decommissioned alone', [old(DOCKER)], [DOCKER]],
    ['two files, one all dead', [live(PRIMARY), dead(DOCKER)], [DOCKER]],
    ['the auth files check ran out of time', [timedOut, old(DOCKER)], []],
    ['nothing found', [], []],
  ])('%s', (_, findings, expected) => {
    expect(files(findings)).toEqual(expected);
  });

  it('keeps the format the entry was read in', () => {
    expect(deadFiles([dead(PRIMARY)])).toEqual([
      { file: PRIMARY, format: 'auth.json' },
    ]);
  });
});
