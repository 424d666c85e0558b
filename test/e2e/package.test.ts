/**
 * The packed tarball, as `npm install -g ./qci-<version>.tgz` gets it: no runtime dependencies (the
 * bundles carry everything), every require in the bundles reaches a Node built-in or a file in the
 * package, and it installs offline from an empty npm cache and runs. `npm test` builds bin/dist first;
 * packing here skips the scripts so it never rebuilds under the other tests' feet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = tempDir('qci-pack-');
const npm = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  execFileSync('npm', args, { cwd: root, env, encoding: 'utf8' });

let tarball = '';
let unpacked = '';

beforeAll(() => {
  const out = npm([
    'pack',
    '--ignore-scripts',
    '--json',
    '--pack-destination',
    work,
  ]);
  const [info] = JSON.parse(out) as { filename: string }[];
  tarball = join(work, info!.filename);
  unpacked = join(work, 'unpacked');
  execFileSync('mkdir', ['-p', unpacked]);
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
  unpacked = join(unpacked, 'package');
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every file under dir, relative to it, with '/' separators. */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name), `${prefix}${e.name}/`)
      : [`${prefix}${e.name}`],
  );
}

describe('the packed tarball', () => {
  it('declares no runtime dependencies and runs nothing at install', () => {
    const pkg = JSON.parse(
      readFileSync(join(unpacked, 'package.json'), 'utf8'),
    );
    for (const field of [
      'dependencies',
      'optionalDependencies',
      'peerDependencies',
      'bundleDependencies',
    ])
      expect(pkg[field], field).toBeUndefined();
    for (const hook of ['preinstall', 'install', 'postinstall'])
      expect(pkg.scripts?.[hook], hook).toBeUndefined();
    // The tarball carries what prepack built; prepare is for git checkouts.
    expect(pkg.scripts.prepack).toBe('node bin/build.mjs');
  });

  it('carries the bundles, their code caches and the launchers only', () => {
    const list = files(unpacked);
    // Every bundle the build wrote, each with its code cache (and the entry points among them).
    const built = readdirSync(join(root, 'bin', 'dist'));
    const bundles = built.filter((f) => f.endsWith('.cjs'));
    expect(bundles).toEqual(
      expect.arrayContaining([
        'qci.cjs',
        'qci-impl.cjs',
        'credential-helper.cjs',
      ]),
    );
    for (const bundle of bundles) {
      expect(list).toContain(`bin/dist/${bundle}`);
      expect(list).toContain(
        `bin/dist/${bundle.replace(/\.cjs$/, '.v8cache')}`,
      );
    }
    expect(list).toContain('bin/qci');
    expect(list).toContain('bin/docker-credential-qci');
    expect(
      list.filter((f) => f.startsWith('src/') || f.startsWith('test/')),
    ).toEqual([]);
    expect(list).not.toContain('bin/build.mjs');
  });

  it('every require in it is a Node built-in or a file in the package', () => {
    const builtins = new Set(builtinModules);
    const scripts = files(unpacked).filter((f) =>
      /\.(c?js)$|^bin\/[^/.]+$/.test(f),
    );
    expect(scripts.length).toBeGreaterThan(5);
    const problems: string[] = [];
    for (const file of scripts) {
      const text = readFileSync(join(unpacked, file), 'utf8');
      // A require of anything but a string literal cannot be checked: there must be none.
      for (const m of text.matchAll(/\brequire\(\s*([^'"\s)][^)]{0,40})/g))
        problems.push(`${file}: require(${m[1]})`);
      for (const m of text.matchAll(/\brequire\(\s*(['"])([^'"]+)\1\s*\)/g)) {
        const id = m[2]!;
        if (id.startsWith('.')) {
          const target = posix.join(posix.dirname(file), id);
          if (!existsSync(join(unpacked, target)))
            problems.push(`${file}: require('${id}'): not in the package`);
        } else if (!builtins.has(id.replace(/^node:/, ''))) {
          problems.push(`${file}: require('${id}'): not a Node built-in`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('installs offline from an empty npm cache, under 6 MB, and runs', () => {
    const prefix = join(work, 'prefix');
    const env = {
      ...process.env,
      npm_config_cache: join(work, 'empty-cache'),
      npm_config_userconfig: join(work, 'npmrc'),
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    };
    npm(['install', '-g', '--offline', '--prefix', prefix, tarball], env);
    const installed = join(prefix, 'lib', 'node_modules', 'qci');
    // Nothing but qci itself: no node_modules of its own.
    expect(existsSync(join(installed, 'node_modules'))).toBe(false);
    const size = files(installed).reduce(
      (sum, f) => sum + statSync(join(installed, f)).size,
      0,
    );
    expect(size).toBeLessThan(6 * 1024 * 1024);

    // Only node on PATH besides the installed commands: nothing from the checkout.
    const runEnv = isolatedEnv({
      PATH: [
        join(prefix, 'bin'),
        dirname(process.execPath),
        '/usr/bin',
        '/bin',
      ].join(':'),
    }) as NodeJS.ProcessEnv;
    const run = (cmd: string, args: string[]) =>
      spawnSync(join(prefix, 'bin', cmd), args, {
        env: runEnv,
        cwd: work,
        encoding: 'utf8',
      });
    const version = run('qci', ['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
    );
    const spec = run('qci', ['pullspec', 'ocp/4.7:my-component']);
    expect(spec.stdout).toBe(
      'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_my-component\n',
    );
    const helper = run('docker-credential-qci', ['version']);
    expect(helper.status).toBe(0);
    expect(helper.stdout).toContain('0.');
    // A command that loads a lazily loaded bundle (yaml, for the kubeconfig) works from the install too.
    const whoami = run('qci', ['whoami', '--json']);
    expect(whoami.stderr).not.toMatch(/Cannot find module/);
  }, 120_000);
});
