/** Checks that the error kinds a --json document carries are ERROR_KINDS members. */
import { expect } from 'vitest';
import { ERROR_KINDS } from '../../src/core/errors.js';

/**
 * Every error kind in a document, with the exit code that goes with it: `error` and `appciError`
 * objects (`kind`, and the code when it says one), and a pull result's `cause` and `exitCode`.
 */
function kindsIn(value: unknown, key = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((v) => kindsIn(v));
  if (typeof value !== 'object' || value === null) return [];
  const o = value as Record<string, unknown>;
  const own: [string, unknown][] = [];
  if (['error', 'appciError'].includes(key) && typeof o.kind === 'string')
    own.push([o.kind, o.exitCode]);
  if (typeof o.cause === 'string' && typeof o.exitCode === 'number')
    own.push([o.cause, o.exitCode]);
  return [...own, ...Object.entries(o).flatMap(([k, v]) => kindsIn(v, k))];
}

/** Every error kind qci printed is in the table, and exits as the table says. */
export function expectKnownKinds(value: unknown, code: number): string[] {
  const found = kindsIn(value);
  for (const [kind, exit] of found) {
    expect(Object.keys(ERROR_KINDS), 'an error kind').toContain(kind);
    const want = ERROR_KINDS[kind as keyof typeof ERROR_KINDS].exit;
    if (exit !== undefined) expect(exit, kind).toBe(want);
  }
  const top = (value as { error?: { kind?: string } }).error?.kind;
  if (top && top in ERROR_KINDS)
    expect(code, `exit code of ${top}`).toBe(
      ERROR_KINDS[top as keyof typeof ERROR_KINDS].exit,
    );
  return found.map(([kind]) => kind);
}
