import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(
  readFileSync(new URL('./package.json', import.meta.url), 'utf8'),
) as { version: string };

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start real registries and podman; give them room, but fail fast on hangs.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['verbose'],
    // The run's own temp dir, removed at its end (first: the others' temp dirs go under it); one
    // private dockerd for the run, started by the first docker test (test/e2e/testbed/docker.ts).
    globalSetup: [
      'test/helpers/run-tmpdir.ts',
      'test/e2e/testbed/docker-global.ts',
    ],
  },
  define: {
    QCI_VERSION: JSON.stringify(pkg.version),
  },
});
