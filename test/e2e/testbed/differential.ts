/** The differential tests' common words: what an engine really sent and what qci claimed it sends. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  generateLayout,
  materialize,
  writeFakeHelpers,
  type LayoutForms,
  type Materialized,
  type Origins,
} from './layouts.js';
import { createPodmanEnv, type PodmanEnv } from './podman.js';
import { startRecordingFront, type RecordingFront } from './recorder.js';

/** `qci whoami --json`'s view of one engine. */
export interface EngineJson {
  engine: string;
  sends: string;
  file: string | null;
  key: string | null;
  helper: string | null;
  candidates: { file: string; key: string }[];
}

export function slotOf(m: Materialized, file: string | null): string {
  const found = Object.entries(m.paths).find(([, p]) => p === file);
  return found ? found[0] : `?${file}`;
}

/** What the engine really sent: `fails`, `nothing`, or `credential|identity-token ORIGIN`. */
export function truthOf(front: RecordingFront, origins: Origins): string {
  const first = front.auths[0];
  if (!first) return 'fails';
  const sent = first.sent;
  const from = (s: string) => origins.get(s) ?? `?${s}`;
  if (sent.kind === 'none') return 'nothing';
  if (sent.kind === 'basic') return `credential ${from(sent.secret)}`;
  if (sent.kind === 'refresh-token')
    return `identity-token ${from(sent.secret)}`;
  return `other ${sent.detail}`;
}

/** qci's claim in the same words; `ambiguous` lists the candidates. */
export function claimOf(view: EngineJson, m: Materialized): string {
  switch (view.sends) {
    case 'fails-before-sending':
      return 'fails';
    case 'nothing':
      return 'nothing';
    case 'ambiguous':
      return `ambiguous ${view.candidates
        .map((c) => `${slotOf(m, c.file)} ${c.key}`)
        .join(' | ')}`;
    default:
      return `${view.sends} ${
        view.helper
          ? `helper ${view.helper}`
          : `${slotOf(m, view.file)} ${view.key}`
      }`;
  }
}

/**
 * Runs `body` for layouts 0…count-1, each worker taking the next layout as soon as it is free (the
 * workers run side by side; a layout runs on one worker).
 */
export async function eachLayout<W>(
  workers: W[],
  count: number,
  body: (worker: W, id: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    workers.map(async (worker) => {
      for (let id = next++; id < count; id = next++) await body(worker, id);
    }),
  );
}

/** One of the workers that run layouts side by side: a recording registry front, an engine environment, fake helpers. */
export interface LayoutWorker {
  front: RecordingFront;
  pe: PodmanEnv;
  helpers: string;
}

/** `count` workers, each with its own front, environment and helpers directory; stop them with stopLayoutWorkers. */
export async function startLayoutWorkers(
  count: number,
): Promise<LayoutWorker[]> {
  const workers: LayoutWorker[] = [];
  for (let i = 0; i < count; i++) {
    const front = await startRecordingFront();
    const pe = await createPodmanEnv({ insecureRegistries: [front.host] });
    const helpers = join(pe.dir, 'helpers');
    await writeFakeHelpers(helpers);
    workers.push({ front, pe, helpers });
  }
  return workers;
}

/**
 * `count` workers for the calling describe block: started in its beforeAll (after `setup`), stopped in
 * its afterAll.
 */
export function useLayoutWorkers(
  count: number,
  setup?: () => Promise<void>,
): LayoutWorker[] {
  const workers: LayoutWorker[] = [];
  beforeAll(async () => {
    await setup?.();
    workers.push(...(await startLayoutWorkers(count)));
  }, 120_000);
  afterAll(async () => stopLayoutWorkers(workers));
  return workers;
}

/** The line a differential test prints first: its seed, how many layouts, and how to replay them. */
export function logSeed(name: string, seed: number, layouts: number): void {
  console.log(
    `${name}: seed ${seed}, ${layouts} layouts (QCI_DIFF_SEED=${seed} replays)`,
  );
}

export async function stopLayoutWorkers(
  workers: readonly LayoutWorker[],
): Promise<void> {
  for (const w of workers) {
    await w.front.stop();
    await w.pe.stop();
  }
}

/**
 * Layout `id` of `seed` for the worker's front, written into a fresh directory `stage/id` of its
 * environment (`path`: the PATH its helpers are found on; `forms`: one engine's extra forms), with
 * podman's `--authfile` flag if it has one.
 */
export async function layoutOn(
  w: LayoutWorker,
  seed: number,
  id: number,
  stage: string,
  path = w.pe.env.PATH ?? '',
  forms: LayoutForms = {},
) {
  const { layout, origins } = generateLayout(seed, id, w.front.host, forms);
  const dir = join(w.pe.dir, stage, String(id));
  await mkdir(dir, { recursive: true });
  const m = await materialize(layout, dir, w.helpers, path);
  const flag = m.authfile ? ['--authfile', m.authfile] : [];
  return { layout, origins, dir, m, flag };
}

/** podman pulls from the worker's front, its record cleared first (truthOf then says what was sent). */
export function podmanPull(
  w: LayoutWorker,
  flag: string[],
  env: Record<string, string | undefined>,
) {
  w.front.clear();
  return w.pe.podman(['pull', ...flag, `${w.front.host}/openshift/ci:t`], {
    env,
  });
}
