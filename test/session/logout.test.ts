import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logoutFromQci } from '../../src/session/logout.js';
import { writeJson } from '../e2e/testbed/fixture.js';
import { fakeSetup, HOST } from './fake-setup.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('qci logout: every file podman or docker reads', () => {
  it('removes QCI from each of them and keeps what is not QCI', async () => {
    const { setup, authFile } = fakeSetup();
    const home = setup.home;
    // The files podman 4.x and docker read for a registry (containers-auth.json(5), docker's config.json).
    const files = [
      authFile,
      join(home, '.config', 'containers', 'auth.json'),
      join(home, '.docker', 'config.json'),
    ];
    for (const path of files)
      writeJson(path, {
        auths: {
          [HOST]: { auth: b64('me:dead-token') },
          'other.example.com': { auth: b64('a:b') },
        },
      });
    const report = await logoutFromQci(setup, { dryRun: false });
    expect(report.exitCode).toBe(0);
    expect(report.files.map((f) => f.path).sort()).toEqual([...files].sort());
    for (const path of files) {
      expect(JSON.parse(readFileSync(path, 'utf8')).auths, path).toEqual({
        'other.example.com': { auth: b64('a:b') },
      });
    }
    expect(existsSync(join(home, '.dockercfg'))).toBe(false);
  });

  it("cleans docker's legacy ~/.dockercfg, which docker reads while config.json is missing", async () => {
    const { setup } = fakeSetup();
    const legacy = join(setup.home, '.dockercfg');
    writeJson(legacy, { [HOST]: { auth: b64('me:dead-token') } });
    const report = await logoutFromQci(setup, { dryRun: false });
    expect(report.files.map((f) => f.path)).toEqual([legacy]);
    expect(readFileSync(legacy, 'utf8')).not.toContain(HOST);
  });
});
