/** Durations as people type them for tokens ("24h", "90m", "1h30m", "7d"), and as qci writes them. Pure. */
import { usageError } from './errors.js';

const UNITS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };

/** Seconds in "24h", "1h30m", "600s", "7d"; undefined when the text is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!/^(?:\d+[dhms])+$/.test(trimmed)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([dhms])/g))
    seconds += Number(amount) * UNITS[unit!]!;
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}

/**
 * The one duration formatter, in kubectl's compact style: 86400 → "24h", 5400 → "1h30m", 61 → "1m1s",
 * and from 48 hours on with days (604800 → "7d"), so a token duration reads as it is typed.
 * `approximate` (ages): the largest unit and the next one only, no seconds from a minute on
 * (11100 → "3h5m", 10805 → "3h"), and "under 1m" below a minute.
 * `words` (a token's expiry in a sentence): the largest whole unit in words, days from 48 hours, hours
 * from 2 hours, minutes from 2 minutes (1036800 → "12 days", 5400 → "90 minutes", 1 → "1 second").
 */
export function formatDuration(
  seconds: number,
  {
    approximate = false,
    words = false,
  }: { approximate?: boolean; words?: boolean } = {},
): string {
  const s = Math.round(seconds);
  if (words) {
    const abs = Math.abs(s);
    const [n, unit] =
      abs >= 2 * 86_400
        ? [Math.floor(abs / 86_400), 'day']
        : abs >= 2 * 3600
          ? [Math.floor(abs / 3600), 'hour']
          : abs >= 120
            ? [Math.floor(abs / 60), 'minute']
            : [abs, 'second'];
    return `${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  if (approximate && s < 60) return 'under 1m';
  if (s <= 0) return '0s';
  const days = s >= 2 * 86_400 ? Math.floor(s / 86_400) : 0;
  const parts: [number, string][] = [
    [days, 'd'],
    [Math.floor((s - days * 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [approximate ? 0 : s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  const shown = approximate ? parts.slice(first, first + 2) : parts;
  return shown
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join('');
}

/** The Kubernetes TokenRequest minimum (kubernetes pkg/apis/authentication/validation): shorter requests are refused with 422. */
export const MIN_TOKEN_SECONDS = 600;
/** The API's own upper bound on expirationSeconds. */
export const MAX_TOKEN_SECONDS = 2 ** 32;

/** `--duration` for a bound token: a usage error (before any request) when it is malformed or too short. */
export function tokenDuration(text: string, flag = '--duration'): number {
  const seconds = parseDuration(text);
  if (seconds === undefined) {
    throw usageError(
      `${flag} ${JSON.stringify(text)} is not a duration; write it as 24h, 90m, 1h30m or 7d`,
      { kind: 'bad-duration' },
    );
  }
  if (seconds < MIN_TOKEN_SECONDS) {
    throw usageError(
      `${flag} ${text} is shorter than 10 minutes, the shortest token app.ci issues (TokenRequest's minimum)`,
      {
        kind: 'bad-duration',
        hint: `ask for at least 10m, e.g. ${flag} 10m`,
      },
    );
  }
  if (seconds > MAX_TOKEN_SECONDS)
    throw usageError(
      `${flag} ${text} is longer than the API allows (2^32 seconds)`,
      { kind: 'bad-duration' },
    );
  return seconds;
}
