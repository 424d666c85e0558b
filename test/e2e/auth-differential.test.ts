/**
 * The differential test: for random auth-file layouts, what `qci whoami --json` says podman
 * sends to QCI is compared with what real podman sends to a recording registry front.
 *
 *   QCI_DIFF_LAYOUTS=2000 CI=true npx vitest run test/e2e/auth-differential.test.ts
 *   QCI_DIFF_SEED=1234 …                                  # replay a run (the seed is printed)
 *
 * Any disagreement prints the layout (files, variables, flags) so it can be replayed by hand.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qci } from '../helpers/cli.js';
import {
  requireTools,
  startFakeAppCi,
  type FakeAppCi,
} from './testbed/index.js';
import { describeLayout, type FileSlot } from './testbed/layouts.js';
import {
  claimOf,
  eachLayout,
  layoutOn,
  podmanPull,
  logSeed,
  useLayoutWorkers,
  truthOf,
  type EngineJson,
} from './testbed/differential.js';

const tools = requireTools(['podman']);
const LAYOUTS = Number(process.env.QCI_DIFF_LAYOUTS ?? 200);
const SEED = Number(process.env.QCI_DIFF_SEED ?? Date.now() % 1_000_000);
const WORKERS = Number(process.env.QCI_DIFF_WORKERS ?? 4);
/** Layouts for the logout and login rounds (each runs qci and podman twice). */
const ROUND_LAYOUTS = Math.max(20, Math.round(LAYOUTS / 5));

function agrees(claim: string, truth: string): boolean {
  if (claim === truth) return true;
  if (!claim.startsWith('ambiguous ')) return false;
  // Any candidate, or (when a candidate is skipped) whatever comes after that file.
  const candidates = claim.slice('ambiguous '.length).split(' | ');
  const origin = truth.replace(/^\S+ /, '');
  const slots = new Set(candidates.map((c) => c.split(' ')[0] as FileSlot));
  return (
    candidates.includes(origin) || !slots.has(origin.split(' ')[0] as FileSlot)
  );
}

describe.skipIf(!tools.ok)('what podman sends, qci vs podman 4.3.1', () => {
  const workers = useLayoutWorkers(WORKERS);

  it(`${LAYOUTS} random layouts agree (seed printed)`, async () => {
    logSeed('auth differential', SEED, LAYOUTS);
    const disagreements: string[] = [];
    const tally = new Map<string, number>();
    const timing = { podman: 0, qci: 0 };
    await eachLayout(workers, LAYOUTS, async (w, id) => {
      const { layout, origins, dir, m, flag } = await layoutOn(
        w,
        SEED,
        id,
        'layouts',
      );
      const t0 = performance.now();
      const pull = await podmanPull(w, flag, m.env);
      const truth = truthOf(w.front, origins);
      const t1 = performance.now();
      const env = {
        ...w.pe.env,
        ...m.env,
        KUBECONFIG: join(dir, 'no-kubeconfig'),
      };
      const result = await qci(
        ['whoami', '--json', '--registry', w.front.host, ...flag],
        { env },
      );
      timing.podman += t1 - t0;
      timing.qci += performance.now() - t1;
      const report = JSON.parse(result.stdout) as { engines: EngineJson[] };
      const view = report.engines.find((e) => e.engine === 'podman');
      const claim = view ? claimOf(view, m) : 'no podman view';
      const kind = claim.split(' ')[0] ?? '';
      tally.set(kind, (tally.get(kind) ?? 0) + 1);
      if (!agrees(claim, truth))
        disagreements.push(
          `${describeLayout(layout, m)}\n  podman sent: ${truth} (exit ${pull.exitCode}; ${pull.stderr.split('\n').find((l) => l.startsWith('Error')) ?? ''})\n  qci said:    ${claim}`,
        );
      await rm(dir, { recursive: true, force: true });
    });
    console.log(
      `per layout: podman ${Math.round(timing.podman / LAYOUTS)} ms, qci ${Math.round(timing.qci / LAYOUTS)} ms; claims: ${[...tally].map(([k, n]) => `${k} ${n}`).join(', ')}`,
    );
    expect(
      disagreements,
      `seed ${SEED}: ${disagreements.length} of ${LAYOUTS} layouts disagree:\n${disagreements.slice(0, 10).join('\n\n')}`,
    ).toEqual([]);
  }, 600_000);

  /** Non-auth content of a file: other hosts' entries and every key but auths. */
  async function keptParts(path: string, host: string) {
    try {
      const json = JSON.parse(await readFile(path, 'utf8')) as Record<
        string,
        unknown
      >;
      const auths = (json.auths ?? {}) as Record<string, unknown>;
      const others = Object.fromEntries(
        Object.entries(auths).filter(([k]) => !k.includes(host)),
      );
      const rest = { ...json };
      delete rest.auths;
      return JSON.stringify({ others, rest });
    } catch {
      return undefined;
    }
  }

  it(`after qci logout podman sends no QCI credential, or qci exits non-zero naming the command (${ROUND_LAYOUTS} layouts)`, async () => {
    const problems: string[] = [];
    let refused = 0;
    await eachLayout(workers, ROUND_LAYOUTS, async (w, id) => {
      const { layout, dir, m, flag } = await layoutOn(
        w,
        SEED + 1,
        id,
        'logout',
      );
      const before = new Map<string, string | undefined>();
      for (const f of layout.files)
        if (typeof f.content !== 'string' && f.slot !== 'dockercfg')
          before.set(
            m.paths[f.slot],
            await keptParts(m.paths[f.slot], w.front.host),
          );
      const env = { ...w.pe.env, ...m.env, KUBECONFIG: join(dir, 'none') };
      const logout = await qci(
        ['logout', '--registry', w.front.host, ...flag],
        { env },
      );
      await podmanPull(w, flag, m.env);
      const sent = w.front.auths[0]?.sent.kind ?? 'nothing';
      const where = `${describeLayout(layout, m)}\n  logout exit ${logout.code}: ${logout.stderr.trim().split('\n').join(' / ')}`;
      if (logout.code === 0 && sent !== 'none' && sent !== 'nothing')
        problems.push(`${where}\n  podman still sent: ${sent}`);
      if (logout.code !== 0) {
        refused++;
        if (!/remove it with: |left unchanged/.test(logout.stderr))
          problems.push(`${where}\n  non-zero exit without the command`);
      }
      for (const [path, kept] of before) {
        const now = await keptParts(path, w.front.host);
        if (kept !== undefined && now !== kept)
          problems.push(`${where}\n  ${path} lost other content`);
      }
      await rm(dir, { recursive: true, force: true });
    });
    console.log(
      `logout: seed ${SEED + 1}, ${ROUND_LAYOUTS} layouts, ${refused} exited non-zero naming what remains`,
    );
    expect(problems, problems.slice(0, 8).join('\n\n')).toEqual([]);
  }, 600_000);

  describe('after qci login', () => {
    let appci: FakeAppCi;
    let kubeconfig: string;
    let token: string;
    beforeAll(async () => {
      const dir = join(workers[0]!.pe.dir, 'appci');
      await mkdir(dir, { recursive: true });
      appci = await startFakeAppCi({ dir });
      appci.addUser('dev');
      token = appci.createToken('dev');
      kubeconfig = await appci.kubeconfig({ token });
    });
    afterAll(async () => appci?.stop());

    it(`podman sends the new token, or qci login exits non-zero saying why (${ROUND_LAYOUTS} layouts)`, async () => {
      const problems: string[] = [];
      let refused = 0;
      const reasons: string[] = [];
      await eachLayout(workers, ROUND_LAYOUTS, async (w, id) => {
        const { layout, dir, m, flag } = await layoutOn(
          w,
          SEED + 2,
          id,
          'login',
        );
        const env = {
          ...w.pe.env,
          ...m.env,
          KUBECONFIG: kubeconfig,
          QCI_TLS_VERIFY: 'false',
          QCI_ENGINE: 'podman',
        };
        const login = await qci(
          ['login', '--registry', w.front.host, ...flag],
          { env },
        );
        await podmanPull(w, flag, m.env);
        const sent = w.front.auths[0]?.sent;
        const gotToken = sent?.kind === 'basic' && sent.secret === token;
        const where = `${describeLayout(layout, m)}\n  login exit ${login.code}: ${login.stderr.trim().split('\n').join(' / ')}`;
        if (login.code === 0 && !gotToken)
          problems.push(
            `${where}\n  podman then sent: ${sent?.kind ?? 'nothing'}`,
          );
        if (login.code !== 0) {
          refused++;
          reasons.push(
            login.stderr.split('\n').find((l) => l.startsWith('error')) ??
              login.stderr,
          );
        }
        if (`${login.stdout}${login.stderr}`.includes(token))
          problems.push(`${where}\n  the token was printed`);
        await rm(dir, { recursive: true, force: true });
      });
      console.log(
        `login: seed ${SEED + 2}, ${ROUND_LAYOUTS} layouts, ${refused} refused with a reason:\n  ${reasons.join('\n  ')}`,
      );
      expect(problems, problems.slice(0, 8).join('\n\n')).toEqual([]);
      // Enough layouts must log in for real, or this proves nothing (the generator is rich in traps:
      // identity tokens podman login refuses to replace, helpers and per-repository keys that win).
      expect(refused).toBeLessThan(ROUND_LAYOUTS * 0.75);
    }, 600_000);
  });
});
