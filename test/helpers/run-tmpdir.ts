/**
 * vitest global setup: one temp dir for the whole run, removed when the run ends. Every worker's
 * os.tmpdir(), and so every temp dir a test, the test bed, qci or podman makes without a TMPDIR of its
 * own, is under it. It catches what per-file cleanup cannot: vitest runs no afterAll hook of a file
 * whose tests are all skipped (a missing tool, `-t`), so a dir made while collecting it (tempDir() at
 * the top of a file or a describe block) would stay; so would what a killed worker had made.
 *
 * QCI_TEST_TMPDIR=as-given keeps TMPDIR as it is (test/temp-dirs.test.ts runs files that way, to see
 * what they leave).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  if (process.env.QCI_TEST_TMPDIR === 'as-given') return () => {};
  const given = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'qci-test-run-'));
  // Others may pass through, as through /tmp: a test runs qci as nobody on a tree it made (each dir in
  // it is still 0700 unless the test says otherwise).
  chmodSync(dir, 0o755);
  // Workers start after global setup and inherit this environment.
  process.env.TMPDIR = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    if (given === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = given;
  };
}
