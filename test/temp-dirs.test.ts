/**
 * The suite's manners: a test removes the temp dirs it made, also when it fails. Temp dirs come from
 * tempDir() (removed after the file's tests, whatever they did), the test bed (removed with the bed) or
 * the auth sandbox (removed after each test); the rest is checked by running the suite's own files
 * with a private TMPDIR and looking at what is left in it.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/temp.js';

const CHECKOUT = fileURLToPath(new URL('..', import.meta.url));
const VITEST = join(CHECKOUT, 'node_modules', 'vitest', 'vitest.mjs');

/** Files that may make a dir in the OS temp dir themselves: each removes what it made. */
const MAKERS = new Set([
  'test/helpers/run-tmpdir.ts', // the run's own, removed at its end
  'test/helpers/temp.ts', // tempDir(): removed after the file's tests
  'test/auth/sandbox.ts', // removed after each test (useSandbox) or by its cleanup()
  'test/e2e/testbed/proc.ts', // the bed's dir, removed when the bed stops
  'test/e2e/testbed/docker-global.ts', // the run's dockerd, removed at the end of the run
  'test/demo/demo.ts', // removed on success, failure and signals (test/e2e/demo.test.ts)
]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === 'dist' || e.name === 'node_modules'
        ? []
        : sources(join(dir, e.name))
      : /\.(ts|mjs)$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

/**
 * Runs vitest on `files` (under `dir`, default the checkout) with TMPDIR `tmp`. `runDir`: as a run
 * normally goes, under a temp dir of its own inside `tmp` (test/helpers/run-tmpdir.ts); otherwise
 * straight in `tmp`, to see what the files themselves leave.
 */
function vitest(
  tmp: string,
  files: string[],
  options: { dir?: string; runDir?: boolean } = {},
) {
  const { dir = CHECKOUT, runDir = false } = options;
  return spawnSync(
    process.execPath,
    [VITEST, 'run', '--root', CHECKOUT, '--dir', dir, ...files],
    {
      cwd: CHECKOUT,
      env: {
        ...process.env,
        TMPDIR: tmp,
        NO_COLOR: '1',
        QCI_TEST_TMPDIR: runDir ? undefined : 'as-given',
      },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
}

const HELPER = JSON.stringify(join(CHECKOUT, 'test', 'helpers', 'temp.ts'));

/** Runs one test file of `source` (in a dir of its own); the TMPDIR it ran with, and the result. */
function runFixture(source: string, runDir = false) {
  const tmp = tempDir('qci-tidy-');
  const scratch = join(tmp, 'scratch');
  const fixture = join(tmp, 'fixture');
  mkdirSync(scratch);
  mkdirSync(join(fixture, 'test'), { recursive: true });
  writeFileSync(join(fixture, 'test', 'fixture.test.ts'), source);
  return { scratch, ...vitest(scratch, [], { dir: fixture, runDir }) };
}

describe('temp dirs the tests make', () => {
  it('are made through tempDir(), the test bed or the auth sandbox, never by hand in the OS temp dir', () => {
    const call = ['tmp', 'dir()'].join(''); // not spelt whole here, so this file is not its own finding
    const byHand = sources(join(CHECKOUT, 'test'))
      .map((file) => relative(CHECKOUT, file))
      .filter((file) => !MAKERS.has(file))
      .filter((file) =>
        readFileSync(join(CHECKOUT, file), 'utf8').includes(call),
      );
    expect(byHand).toEqual([]);
  });

  it('made by tempDir() in a test file whose tests fail are removed all the same', () => {
    const r = runFixture(`import { expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from ${HELPER};
it('fails an expectation', () => {
  const dir = tempDir('qci-fails-');
  mkdirSync(join(dir, 'deep'));
  writeFileSync(join(dir, 'deep', 'file'), 'x');
  expect(dir).toBe('');
});
it('throws', () => {
  tempDir('qci-throws-');
  throw new Error('on purpose');
});
`);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Tests\s+2 failed/);
    expect(readdirSync(r.scratch)).toEqual([]);
  });

  it('made while collecting a file whose tests are all skipped (no afterAll runs then) go with the run', () => {
    const r = runFixture(
      `import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from ${HELPER};
writeFileSync(join(tempDir('qci-top-'), 'file'), 'x');
describe.skipIf(true)('a block without its tool', () => {
  tempDir('qci-collected-');
  it('never runs', () => expect(1).toBe(2));
});
`,
      true,
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+1 skipped/);
    expect(readdirSync(r.scratch)).toEqual([]);
  });

  it('by the files that once made their own are removed: nothing is left in TMPDIR', () => {
    const tmp = tempDir('qci-tidy-');
    const r = vitest(tmp, [
      'test/e2e/job-image-quoted-line.test.ts',
      'test/e2e/rewrite-inline-code.test.ts',
      'test/doctor/fix.test.ts',
      'test/io/http.test.ts',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Test Files\s+4 passed/);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
