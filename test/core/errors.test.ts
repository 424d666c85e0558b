/** Error kinds are one list, and each kind's exit code is one the README and --help document. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES_HELP } from '../../src/cli/program.js';
import {
  ERROR_KINDS,
  type ErrorKind,
  ExitCode,
  QciError,
  usageError,
} from '../../src/core/errors.js';
import type { FailureCause } from '../../src/engine/classify.js';

/** The codes in README's "Exit codes" table (a row may name two: `| 126, 127 |`). */
function readmeCodes(): number[] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.split(/^## Exit codes$/m)[1]?.split(/^## /m)[0];
  expect(section, 'README has an "Exit codes" section').toBeDefined();
  return [...section!.matchAll(/^\| ([\d, ]+) \|/gm)].flatMap((m) =>
    m[1]!.split(',').map(Number),
  );
}

const helpCodes = () =>
  [...EXIT_CODES_HELP.matchAll(/^ {2}(\d+) /gm)].map((m) => Number(m[1]));

const KINDS = Object.keys(ERROR_KINDS) as ErrorKind[];

describe('error kinds', () => {
  it('README and --help document the same exit codes, and those are ExitCode', () => {
    const documented = readmeCodes();
    expect(documented).toEqual(helpCodes());
    expect([...documented].sort((a, b) => a - b)).toEqual(
      Object.values(ExitCode).sort((a, b) => a - b),
    );
  });

  it.each(KINDS)('%s exits with a documented code', (kind) => {
    const error = new QciError('m', { kind });
    expect(readmeCodes()).toContain(error.exitCode);
    expect(error.exitCode).not.toBe(ExitCode.ok);
    expect(error.exitCode).toBe(ERROR_KINDS[kind].exit);
  });

  it('every documented failure code has a kind that exits with it', () => {
    const used = new Set(KINDS.map((k) => ERROR_KINDS[k].exit));
    const failures = readmeCodes().filter((c) => c !== ExitCode.ok);
    expect(failures.filter((c) => !used.has(c as never))).toEqual([]);
  });

  it('kinds are lower-case words joined by dashes', () => {
    expect(KINDS.filter((k) => !/^[a-z]+(-[a-z]+)*$/.test(k))).toEqual([]);
  });

  it('usageError exits 2, with its own kind or "usage"', () => {
    expect(usageError('m')).toMatchObject({ kind: 'usage', exitCode: 2 });
    expect(usageError('m', { kind: 'bad-setting' }).exitCode).toBe(2);
  });

  it('the type system holds the list', () => {
    // Each call below must not compile: tsc (npm test) fails if one does. Never run.
    const rejected = () => [
      // @ts-expect-error an unknown kind
      new QciError('m', { kind: 'no-such-kind' }),
      // @ts-expect-error a kind is required
      new QciError('m', { hint: 'h' }),
      // @ts-expect-error the exit code follows from the kind
      new QciError('m', { kind: 'usage', exitCode: 3 }),
      // @ts-expect-error usageError takes only kinds that exit 2
      usageError('m', { kind: 'not-found' }),
    ];
    expect(rejected).toBeTypeOf('function');
    // A failed pull's cause is a kind too (its exit code comes from the table).
    const cause: FailureCause = 'tls';
    const kind: ErrorKind = cause;
    expect(ERROR_KINDS[kind].exit).toBe(ExitCode.unreachable);
  });
});
