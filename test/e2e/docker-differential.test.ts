/**
 * The differential test against docker: for random layouts (the generator the podman
 * differential uses), what `qci whoami --json --engine docker` says docker sends to QCI is compared with
 * what the real docker client and the run's private dockerd send to a recording registry front.
 * Docker reads only `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`), its credHelpers and
 * credsStore; the podman files in a layout must not change qci's docker claim. Its layouts also hold
 * docker's own forms: `username`/`password` fields in an entry, and an empty `credHelpers[host]`.
 *
 *   QCI_DIFF_DOCKER_LAYOUTS=500 CI=true npx vitest run test/e2e/docker-differential.test.ts
 *   QCI_DIFF_SEED=1234 …                                  # replay a run (the seed is printed)
 */
import { rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qci } from '../helpers/cli.js';
import { type DockerDaemon, sharedDockerd } from './testbed/docker.js';
import { requireTools } from './testbed/index.js';
import { describeLayout } from './testbed/layouts.js';
import {
  claimOf,
  eachLayout,
  layoutOn,
  logSeed,
  useLayoutWorkers,
  truthOf,
  type EngineJson,
} from './testbed/differential.js';
import { run } from './testbed/proc.js';

const tools = requireTools(['dockerd', 'docker']);
const LAYOUTS = Number(process.env.QCI_DIFF_DOCKER_LAYOUTS ?? 80);
const SEED = Number(process.env.QCI_DIFF_SEED ?? Date.now() % 1_000_000);
const WORKERS = Number(process.env.QCI_DIFF_WORKERS ?? 4);

/**
 * An ambiguous claim agrees with any of its candidates, or with nothing: docker's map order picks
 * among keys ({} and empty ones send nothing) and decides which entries were decoded before an
 * undecodable one (an undecoded entry sends nothing).
 */
function agrees(claim: string, truth: string): boolean {
  if (claim === truth) return true;
  if (!claim.startsWith('ambiguous ')) return false;
  if (truth === 'nothing') return true;
  const origin = truth.replace(/^\S+ /, '');
  return claim.slice('ambiguous '.length).split(' | ').includes(origin);
}

describe.skipIf(!tools.ok)('what docker sends, qci vs docker', () => {
  let daemon: DockerDaemon;
  const workers = useLayoutWorkers(WORKERS, async () => {
    daemon = await sharedDockerd();
  });

  it(`${LAYOUTS} random layouts agree (seed printed)`, async () => {
    logSeed('docker differential', SEED, LAYOUTS);
    const disagreements: string[] = [];
    const tally = new Map<string, number>();
    await eachLayout(workers, LAYOUTS, async (w, id) => {
      const { layout, origins, dir, m } = await layoutOn(
        w,
        SEED,
        id,
        'layouts',
        process.env.PATH ?? '',
        { blankCredHelpers: true },
      );
      const env = {
        ...m.env,
        PATH: [w.helpers, daemon.clientBin, process.env.PATH].join(delimiter),
        DOCKER_HOST: daemon.host,
      };
      w.front.clear();
      const pull = await run(
        'docker',
        ['pull', `${w.front.host}/openshift/ci:t`],
        { env, timeoutMs: 60_000 },
      );
      const truth = truthOf(w.front, origins);
      const result = await qci(
        ['whoami', '--json', '--registry', w.front.host],
        {
          env: {
            ...env,
            QCI_ENGINE: 'docker',
            KUBECONFIG: join(dir, 'no-kubeconfig'),
          },
        },
      );
      const report = JSON.parse(result.stdout) as { engines: EngineJson[] };
      const view = report.engines.find((e) => e.engine === 'docker');
      const claim = view ? claimOf(view, m) : 'no docker view';
      const kind = claim.split(' ')[0] ?? '';
      tally.set(kind, (tally.get(kind) ?? 0) + 1);
      if (!agrees(claim, truth)) {
        const why = pull.stderr.split('\n').find((l) => /error/i.test(l)) ?? '';
        disagreements.push(
          `${describeLayout(layout, m)}\n  docker sent: ${truth} (exit ${pull.exitCode}; ${why})\n  qci said:    ${claim}`,
        );
      }
      await rm(dir, { recursive: true, force: true });
    });
    console.log(
      `claims: ${[...tally].map(([k, n]) => `${k} ${n}`).join(', ')}`,
    );
    expect(
      disagreements,
      `seed ${SEED}: ${disagreements.length} of ${LAYOUTS} layouts disagree:\n${disagreements.slice(0, 10).join('\n\n')}`,
    ).toEqual([]);
  }, 600_000);
});
