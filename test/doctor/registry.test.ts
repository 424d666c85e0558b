import { describe, expect, it } from 'vitest';
import { QCI_ACCESS_HINT } from '../../src/core/appci.js';
import { checkRegistry } from '../../src/doctor/checks/registry.js';
import type { CredentialCheck, Ping } from '../../src/registry/ping.js';
import { HOST, sig } from './fake.js';

const URL = `https://${HOST}/v2/`;
const BEARER = {
  scheme: 'Bearer',
  realm: `https://${HOST}/v2/auth`,
  service: null,
};
const ping = (
  status: number,
  challenge = status === 401 ? BEARER : null,
): Ping => ({
  url: URL,
  status,
  challenge,
});
const WHERE = `${HOST} in ~/.config/containers/auth.json`;
/** The registry answers the ping so, and the credential check so (none sent when `check` is absent). */
const probe = (
  answer: Ping | Error,
  check?: CredentialCheck,
  engine: 'podman' | 'docker' = 'podman',
  authfile?: string,
) => ({
  host: HOST,
  engine,
  authfile,
  ping: async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  },
  engineSends: async () =>
    check ? { user: 'me', password: 'secret', where: WHERE } : null,
  checkCredential: async () => check!,
});
const run = async (p: ReturnType<typeof probe>) =>
  (await checkRegistry(p)).map(sig);
const RETRY = `try again later; if it persists, the registry ${HOST} is not answering as QCI does`;

describe('checkRegistry', () => {
  // biome-ignore format: one line per case
  it.each([
    ['unreachable', probe(new Error(`${HOST}: connection refused`)), ['error registry.unreachable']],
    ['a server error', probe(ping(503)), ['error registry.unchecked']],
    ['rate limiting', probe(ping(429)), ['error registry.unchecked']],
    ['401 without a challenge', probe(ping(401, null)), ['error registry.unchecked']],
    ['reachable, nothing sent', probe(ping(401)), ['ok registry.reachable']],
    ['the credential accepted', probe(ping(401), { state: 'accepted' }), ['ok registry.reachable', 'ok registry.credential']],
    ['the credential rejected', probe(ping(401), { state: 'rejected', status: 401 }), ['ok registry.reachable', 'error registry.credential (safe)']],
    ['the credential denied', probe(ping(401), { state: 'denied', status: 403 }), ['ok registry.reachable', 'error registry.credential']],
    ['the token service failing', probe(ping(401), { state: 'unchecked', status: 502 }), ['ok registry.reachable', 'error registry.unchecked']],
    ['no token service named', probe(ping(401), { state: 'no-challenge' }), ['ok registry.reachable', 'error registry.unchecked']],
    ['an open registry: nothing to check', probe(ping(200), { state: 'no-challenge' }), ['ok registry.reachable']],
  ])('%s', async (_, p, expected) => {
    expect(await run(p)).toEqual(expected);
  });

  // biome-ignore format: one line per case
  it.each([
    [probe(new Error('boom')), 'boom', 'check your network or VPN; for a local test registry, QCI_TLS_VERIFY=false'],
    [probe(ping(503)), `${HOST} answers HTTP 503 (${URL}): qci cannot check it or your credential, and pulls fail while it does`, RETRY],
    [probe(ping(401, null)), `${HOST} answers HTTP 401 without a WWW-Authenticate challenge (${URL}): qci cannot check your credential, and podman cannot log in to it`, RETRY],
    [probe(ping(401), { state: 'accepted' }), `${HOST} accepts the credential podman sends (${WHERE})`, null],
    [probe(ping(401), { state: 'rejected', status: 401 }), `${HOST} rejects the credential podman sends (${WHERE}, HTTP 401)`, 'qci doctor --fix (or: qci logout && qci login)'],
    [probe(ping(401), { state: 'denied', status: 403 }), `${HOST} refuses the credential podman sends (${WHERE}): access denied`, QCI_ACCESS_HINT],
    [probe(ping(401), { state: 'unchecked', status: 502 }), `${HOST} could not check the credential podman sends (${WHERE}): its token service answered HTTP 502`, RETRY],
    [probe(ping(401), { state: 'no-challenge' }), `${HOST} names no token service (HTTP 401 without a Bearer challenge): qci cannot check the credential podman sends (${WHERE})`, RETRY],
    [probe(ping(401), { state: 'accepted' }, 'docker'), `${HOST} accepts the credential docker sends (${WHERE})`, null],
    [probe(ping(401), { state: 'rejected', status: 401 }, 'docker'), `${HOST} rejects the credential docker sends (${WHERE}, HTTP 401)`, 'qci doctor --fix (or: qci logout && qci login)'],
    [probe(ping(401), { state: 'rejected', status: 401 }, 'podman', './ps.json'), `${HOST} rejects the credential podman sends (${WHERE}, HTTP 401)`, 'qci doctor --authfile ./ps.json --fix (or: qci login --authfile ./ps.json)'],
    [probe(ping(401, null), undefined, 'docker'), `${HOST} answers HTTP 401 without a WWW-Authenticate challenge (${URL}): qci cannot check your credential, and docker cannot log in to it`, RETRY],
  ])('says: %#', async (p, detail, fix) => {
    const f = (await checkRegistry(p)).at(-1);
    expect([f?.detail, f?.fix]).toEqual([detail, fix]);
  });
});
