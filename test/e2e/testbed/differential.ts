/** The differential tests' common words: what an engine really sent and what qci claimed it sends. */
import type { Materialized, Origins } from './layouts.js';
import type { RecordingFront } from './recorder.js';

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
