/**
 * Freshness: is a job's namespace (and its images) probably still there, from finished.json.
 */
import { formatDuration } from './duration.js';

/** The build farm deletes a job's namespace (and its images) about an hour after the job ends. */
const NAMESPACE_LIFETIME_SECONDS = 3600;

type FreshnessState = 'running' | 'recent' | 'expired' | 'unknown';

export interface Freshness {
  state: FreshnessState;
  /** ISO time the job finished, from finished.json. */
  finishedAt: string | null;
  ageSeconds: number | null;
  /** SUCCESS, FAILURE, … from finished.json. */
  result: string | null;
  /** One sentence for people. */
  detail: string;
}

/** finished.json's fields that matter (checked by hand: zod's number schema would load at every start-up). */
function finishedFields(
  data: unknown,
): { timestamp: number; result: string | null; passed: boolean | null } | null {
  if (typeof data !== 'object' || data === null) return null;
  const { timestamp, result, passed } = data as Record<string, unknown>;
  if (
    typeof timestamp !== 'number' ||
    !Number.isFinite(timestamp) ||
    timestamp <= 0
  )
    return null;
  return {
    timestamp,
    result: typeof result === 'string' ? result : null,
    passed: typeof passed === 'boolean' ? passed : null,
  };
}

/**
 * Is the namespace probably still there? `finished` is finished.json's text, or null when the job has
 * none (still running). The namespace goes about an hour after the job ends.
 */
export function freshnessOf(finished: string | null, nowMs: number): Freshness {
  if (finished === null) {
    return {
      state: 'running',
      finishedAt: null,
      ageSeconds: null,
      result: null,
      detail:
        'the job is still running (no finished.json yet), so its namespace is there',
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(finished);
  } catch {
    return {
      state: 'unknown',
      finishedAt: null,
      ageSeconds: null,
      result: null,
      detail:
        'finished.json is not JSON, so qci cannot tell when the job ended',
    };
  }
  const fields = finishedFields(data);
  if (!fields) {
    return {
      state: 'unknown',
      finishedAt: null,
      ageSeconds: null,
      result: null,
      detail:
        'finished.json has no timestamp, so qci cannot tell when the job ended',
    };
  }
  const finishedMs = fields.timestamp * 1000;
  const finishedAt = new Date(finishedMs).toISOString().replace('.000Z', 'Z');
  const ageSeconds = Math.max(0, Math.round((nowMs - finishedMs) / 1000));
  const result =
    fields.result ??
    (fields.passed === null ? null : fields.passed ? 'SUCCESS' : 'FAILURE');
  if (ageSeconds > NAMESPACE_LIFETIME_SECONDS) {
    return {
      state: 'expired',
      finishedAt,
      ageSeconds,
      result,
      detail: `the job finished at ${finishedAt} (${formatDuration(ageSeconds, { approximate: true })} ago); build farms delete a job's namespace about an hour after it ends, so its images are probably gone`,
    };
  }
  const left = NAMESPACE_LIFETIME_SECONDS - ageSeconds;
  return {
    state: 'recent',
    finishedAt,
    ageSeconds,
    result,
    detail: `the job finished at ${finishedAt} (${formatDuration(ageSeconds, { approximate: true })} ago); its namespace should last about ${formatDuration(left, { approximate: true })} more`,
  };
}

export function notCheckedFreshness(why: string): Freshness {
  return {
    state: 'unknown',
    finishedAt: null,
    ageSeconds: null,
    result: null,
    detail: why,
  };
}
