/** whoami rates what an engine sends as qci doctor rates the same finding, and every error has its fix. */
import { describe, expect, it } from 'vitest';
import { found } from '../../src/doctor/catalogue.js';
import { stateVerdict, type EntryState } from '../../src/session/status.js';
import type { EngineName } from '../../src/engine/engine.js';

const sent = { key: 'k', file: 'f', usedBy: ['podman'] as EngineName[] };
const host = 'quay-proxy.ci.openshift.org';

describe('stateVerdict: the same severity as doctor', () => {
  // biome-ignore format: one line per case
  it.each<[EntryState, EngineName, ReturnType<typeof found>]>([
    ['valid', 'podman', found('auth.valid', { ...sent, current: false })],
    ['current', 'podman', found('auth.valid', { ...sent, current: true })],
    ['other-user', 'podman', found('auth.other-user', sent)],
    ['expired', 'podman', found('auth.expired', { ...sent, masked: 'x', unreachable: false })],
    ['unknown', 'podman', found('auth.unchecked', { ...sent, why: 'w' })],
    ['identity-token', 'podman', found('auth.identity-token', sent)],
    ['ambiguous', 'podman', found('auth.ambiguous', { file: 'f', host, keys: ['a'], engine: 'podman' })],
    ['none', 'podman', found('auth.none.podman', { host })],
    ['none', 'docker', found('auth.none.docker', { host })],
  ])('%s (%s)', (state, engine, finding) => {
    expect(stateVerdict(state, engine).severity).toBe(finding.severity);
  });

  it('every error and warning has its fix', () => {
    const states: EntryState[] = [
      'current',
      'valid',
      'other-user',
      'expired',
      'unknown',
      'helper',
      'identity-token',
      'ambiguous',
      'none',
      'error',
    ];
    for (const state of states)
      for (const engine of ['podman', 'docker'] as const) {
        const v = stateVerdict(state, engine);
        if (v.severity === 'error' || v.severity === 'warn')
          expect(v.fix, `${state} ${engine}`).not.toBeNull();
      }
  });
});
