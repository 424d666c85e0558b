/** "Not installed" says the same thing (exit 7, how to get it) whether qci looked first or ran it. */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, QciError } from '../../src/core/errors.js';
import { findEngine } from '../../src/engine/engine.js';
import { processRunner } from '../../src/engine/run.js';
import { tempDir } from '../helpers/temp.js';

/** A PATH holding only the named programs (each `exit 0`). */
function pathWith(...programs: string[]): Record<string, string> {
  const dir = tempDir('qci-path-');
  for (const p of programs) {
    writeFileSync(join(dir, p), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, p), 0o755);
  }
  return { PATH: dir };
}

function caught(f: () => unknown): QciError {
  try {
    f();
  } catch (error) {
    if (error instanceof QciError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

const seen = (e: QciError) => [e.exitCode, e.kind, e.message, e.hint];

describe('not installed', () => {
  it.each([
    [
      'auto',
      [],
      'neither podman nor docker is installed',
      /^install podman \(/,
    ],
    ['podman', ['docker'], 'podman is not installed', /other engine/],
    ['docker', ['podman'], 'docker is not installed', /^install docker, /],
  ] as const)(
    '--engine %s with %j on PATH',
    (setting, programs, message, hint) => {
      const e = caught(() => findEngine(setting, pathWith(...programs)));
      expect(e.exitCode).toBe(ExitCode.missingTool);
      expect(e.kind).toBe('missing-tool');
      expect(e.message).toContain(message);
      expect(e.hint).toMatch(hint);
    },
  );

  it('auto picks podman first, else docker', () => {
    expect(findEngine('auto', pathWith('podman', 'docker'))).toBe('podman');
    expect(findEngine('auto', pathWith('docker'))).toBe('docker');
  });

  it.each(['podman', 'docker'] as const)(
    '%s: running it says what finding it says',
    async (engine) => {
      const env = pathWith();
      const found = caught(() => findEngine(engine, env));
      const ran = await processRunner(() => {})({
        command: engine,
        args: ['version'],
        env,
      }).then(
        () => new Error('ran'),
        (error: unknown) => error,
      );
      expect(ran).toBeInstanceOf(QciError);
      expect(seen(ran as QciError)).toEqual(seen(found));
    },
  );
});
