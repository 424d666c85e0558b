/** The real executable, as a user runs it (built by `npm install` / `npm test`). */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedEnv } from '../helpers/cli.js';

const bin = fileURLToPath(new URL('../../bin/qci', import.meta.url));

describe('bin/qci', () => {
  it('works in a shell substitution: podman pull $(qci pullspec …)', () => {
    const out = execFileSync(
      'sh',
      ['-c', `echo pull "$(${bin} pullspec ocp/4.7:my-component)"`],
      { env: isolatedEnv() as NodeJS.ProcessEnv },
    );
    expect(out.toString()).toBe(
      'pull quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_my-component\n',
    );
  });

  it('sets the exit code and keeps stdout clean on errors', () => {
    const r = spawnSync(bin, ['pullspec', 'ocp/4.7:ok', 'bad ref'], {
      env: isolatedEnv() as NodeJS.ProcessEnv,
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe(
      'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_ok\n',
    );
    expect(r.stderr).toContain('cannot contain spaces');
  });

  it('reads the config file once, though whoami uses it twice (the context to warm, then the settings)', () => {
    const env = isolatedEnv() as NodeJS.ProcessEnv;
    const dir = join(env.XDG_CONFIG_HOME!, 'qci');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'config.yaml'),
      'context: app.ci\nengine: podman\n',
    );
    // Counts the opens of config.yaml in the real process (no module replaced in qci itself).
    const counter = join(env.HOME!, 'count-opens.cjs');
    writeFileSync(
      counter,
      `const fs = require('node:fs'); const open = fs.openSync; let n = 0;
fs.openSync = function (p, ...rest) { if (String(p).endsWith('config.yaml')) n++; return open.call(this, p, ...rest); };
process.on('exit', () => process.stderr.write('config opens: ' + n + '\\n'));\n`,
    );
    const r = spawnSync(
      process.execPath,
      ['--require', counter, bin, 'whoami'],
      {
        env,
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toContain('config opens: 1\n');
    // And the settings did come from it.
    const v = spawnSync(
      process.execPath,
      ['--require', counter, bin, '--verbose', 'whoami'],
      { env, encoding: 'utf8' },
    );
    expect(v.stderr).toMatch(/setting engine=podman \(from config file/);
  });
});

describe('bundle sizes', () => {
  // Start-up is benchmarked (bench/startup.mjs), not timed here; but a lost tree-shake (say, a dynamic
  // import of a whole package namespace) triples a bundle at once, and this catches it in every test run.
  it.each([
    // start-up's bundle: what every command needs (bin/build.mjs splits off the rest)
    ['qci.cjs', 200_000],
    ['qci-impl.cjs', 400_000],
    ['credential-helper.cjs', 100_000],
    ['kube.cjs', 600_000],
  ])('bin/dist/%s stays under %i bytes', (file, limit) => {
    const size = statSync(
      fileURLToPath(new URL(`../../bin/dist/${file}`, import.meta.url)),
    ).size;
    expect(size).toBeLessThan(limit);
  });
});

describe('the start-up bundle and the rest', () => {
  const dist = (file: string) =>
    readFileSync(
      fileURLToPath(new URL(`../../bin/dist/${file}`, import.meta.url)),
      'utf8',
    );
  it('qci-impl.cjs takes the errors, settings and redaction of qci.cjs: one QciError class, one state', () => {
    const impl = dist('qci-impl.cjs');
    for (const shared of [
      'src/core/errors.ts',
      'src/core/settings.ts',
      'src/core/redact.ts',
    ])
      expect(impl).toContain(`require("./qci.cjs").shared["${shared}"]`);
    // and the error class is defined once, in qci.cjs
    expect(impl).not.toContain('"QciError"');
    expect(dist('qci.cjs')).toContain('"QciError"');
  });
  it("job-image's reader is a bundle of its own (qci-joblog.cjs) that takes qci.cjs's errors too", () => {
    const joblog = dist('qci-joblog.cjs');
    expect(joblog).toContain(
      'require("./qci.cjs").shared["src/core/errors.ts"]',
    );
    expect(joblog).not.toContain('"QciError"');
    expect(dist('qci.cjs')).toContain(
      'require("./qci-joblog.cjs").modules["src/joblog/find.ts"]',
    );
    // and the reader is in one bundle only
    expect(dist('qci-impl.cjs')).not.toContain('"src/joblog/find.ts"');
  });
  it('start-up loads the rest only through a lazy require of qci-impl.cjs', () => {
    const startup = dist('qci.cjs');
    expect(startup).toContain(
      'require("./qci-impl.cjs").modules["src/session/',
    );
    expect(startup).not.toContain('src/session/login.ts"()');
  });
});

describe('the libraries bundled on their own (bin/build.mjs)', () => {
  const require = createRequire(import.meta.url);
  const dist = (file: string) =>
    fileURLToPath(new URL(`../../bin/dist/${file}`, import.meta.url));
  it('execa still names the signal that ended a command', async () => {
    const { execa } = require(dist('execa.cjs')) as typeof import('execa');
    const killed = await execa('sh', ['-c', 'kill -TERM $$'], {
      reject: false,
    });
    expect(killed.signal).toBe('SIGTERM');
    expect(killed.signalDescription).toBe('Termination');
    expect((killed as { message?: string }).message).toContain(
      'SIGTERM (Termination)',
    );
  });
});

describe('bin/docker-credential-qci', () => {
  it('--help shows examples, like every command', () => {
    const helper = fileURLToPath(
      new URL('../../bin/docker-credential-qci', import.meta.url),
    );
    const r = spawnSync(helper, ['--help'], {
      env: isolatedEnv() as NodeJS.ProcessEnv,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n\s+\$ /);
  });
});

describe('bin/code-cache.js', () => {
  const codeCache = createRequire(import.meta.url)(
    '../../bin/code-cache.js',
  ) as { install(m?: unknown): 'node' | 'bundled' };
  const fakeModule = (withNodeCache: boolean) => {
    const compile = () => undefined;
    const calls: string[] = [];
    return {
      calls,
      compile,
      prototype: { _compile: compile },
      ...(withNodeCache
        ? { enableCompileCache: () => void calls.push('enable') }
        : {}),
    };
  };

  it("uses Node's own compile cache where it exists (Node 22.1+)", () => {
    const m = fakeModule(true);
    expect(codeCache.install(m)).toBe('node');
    expect(m.calls).toEqual(['enable']);
    expect(m.prototype._compile).toBe(m.compile);
  });

  it('hooks the compiler with the shipped caches where it does not (Node 20)', () => {
    const m = fakeModule(false);
    expect(codeCache.install(m)).toBe('bundled');
    expect(m.prototype._compile).not.toBe(m.compile);
  });
});
