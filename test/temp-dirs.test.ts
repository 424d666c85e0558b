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

/** Runs vitest on `files` (under `dir`, default the checkout) with TMPDIR set to `tmp`. */
function vitest(tmp: string, files: string[], dir = CHECKOUT) {
  return spawnSync(
    process.execPath,
    [VITEST, 'run', '--root', CHECKOUT, '--dir', dir, ...files],
    {
      cwd: CHECKOUT,
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
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
    const tmp = tempDir('qci-tidy-');
    const scratch = join(tmp, 'scratch');
    const fixture = join(tmp, 'fixture', 'test');
    mkdirSync(scratch);
    mkdirSync(fixture, { recursive: true });
    const helper = join(CHECKOUT, 'test', 'helpers', 'temp.ts');
    writeFileSync(
      join(fixture, 'fails.test.ts'),
      `import { expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from ${JSON.stringify(helper)};
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
`,
    );
    const r = vitest(scratch, [], join(tmp, 'fixture'));
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Tests\s+2 failed/);
    expect(readdirSync(scratch)).toEqual([]);
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
