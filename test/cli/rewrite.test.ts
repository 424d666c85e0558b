/** qci rewrite over a fixture tree with every kind of file it meets in a real repository. */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  linkSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedEnv, qci } from '../helpers/cli.js';
import { REGISTRY_MARKER } from '../../src/core/rewrite.js';
import {
  replaceFile,
  screenFiles,
  screenInParallel,
} from '../../src/files/scan.js';
import { tempDir } from '../helpers/temp.js';

const Q = 'quay-proxy.ci.openshift.org/openshift/ci';
const DIGEST = `sha256:${'5d8e'.repeat(16)}`;
const bin = fileURLToPath(new URL('../../bin/qci', import.meta.url));

const FILES: Record<string, string | Buffer> = {
  Dockerfile: `FROM registry.svc.ci.openshift.org/ocp/4.7:base\nRUN make\nFROM registry.ci.openshift.org/ocp/4.7@${DIGEST}\n`,
  Containerfile:
    'FROM registry.ci.openshift.org/openshift/release:rhel-9-release-golang-1.22-openshift-4.18 AS builder\r\nRUN make\r\nFROM registry.ci.openshift.org/ocp/4.18:base-rhel9\r\n',
  'deploy/job.yaml':
    'apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n      - image: registry.ci.openshift.org/ci/ci-operator:latest\n        name: x\n      - image: registry.ci.openshift.org/ocp/4.18:${VERSION}\n',
  'config.json':
    '{\n  "builder": "registry.svc.ci.openshift.org/openshift/release:golang-1.15",\n  "other": "quay.io/foo/bar:1"\n}\n',
  'hack/build.sh':
    '#!/bin/sh\nset -e\npodman pull registry.ci.openshift.org/ocp/4.18:cli\n',
  Makefile:
    'IMAGE ?= registry.ci.openshift.org/ocp/4.18:tools\nIMG := registry.ci.openshift.org/ocp/4.18:$(TAG)\n',
  'docs/README.md':
    // The pull is in a code block (inline code in a sentence goes to review: test/e2e/rewrite-inline-code.test.ts).
    '# Images\n\n```\npodman pull registry.ci.openshift.org/ci/ci-operator:latest\n```\n\nLog in with `podman login registry.ci.openshift.org`.\n',
  'clean.txt': 'nothing to see\n',
  // A binary that mentions a registry (a compiled tool, an image layer): never changed.
  'logo.png': Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]),
    Buffer.from('registry.ci.openshift.org/ocp/4.7:cli'),
  ]),
  'node_modules/pkg/index.js':
    'module.exports = "registry.ci.openshift.org/ocp/4.7:cli";\n',
};

const EXPECTED_LIST = [
  `Containerfile:1: registry.ci.openshift.org/openshift/release:rhel-9-release-golang-1.22-openshift-4.18 → ${Q}:openshift_release_rhel-9-release-golang-1.22-openshift-4.18`,
  `Containerfile:3: registry.ci.openshift.org/ocp/4.18:base-rhel9 → ${Q}:ocp_4.18_base-rhel9`,
  `Dockerfile:1: registry.svc.ci.openshift.org/ocp/4.7:base → ${Q}:ocp_4.7_base`,
  `Dockerfile:3: needs review: registry.ci.openshift.org/ocp/4.7@${DIGEST}: pinned by digest; QCI names images by tag (NS_NAME_TAG): use the tag this digest was promoted as`,
  `Makefile:1: registry.ci.openshift.org/ocp/4.18:tools → ${Q}:ocp_4.18_tools`,
  `Makefile:2: needs review: registry.ci.openshift.org/ocp/4.18:$(TAG): templated; the QCI tag joins namespace, name and tag into one, so it depends on the value (probably ${Q}:ocp_4.18_$(TAG))`,
  `config.json:2: registry.svc.ci.openshift.org/openshift/release:golang-1.15 → ${Q}:openshift_release_golang-1.15`,
  `deploy/job.yaml:7: registry.ci.openshift.org/ci/ci-operator:latest → ${Q}:ci_ci-operator_latest`,
  `deploy/job.yaml:9: needs review: registry.ci.openshift.org/ocp/4.18:\${VERSION}: templated; the QCI tag joins namespace, name and tag into one, so it depends on the value (probably ${Q}:ocp_4.18_\${VERSION})`,
  `docs/README.md:4: registry.ci.openshift.org/ci/ci-operator:latest → ${Q}:ci_ci-operator_latest`,
  `hack/build.sh:3: registry.ci.openshift.org/ocp/4.18:cli → ${Q}:ocp_4.18_cli`,
];

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) {
    execFileSync('chmod', ['-R', 'u+rwX', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

function tree(): string {
  const root = tempDir('qci-rewrite-');
  temps.push(root);
  for (const [path, content] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  chmodSync(join(root, 'hack/build.sh'), 0o755);
  chmodSync(join(root, 'config.json'), 0o640);
  // Symlinks: a loop to the tree itself, a two-link loop, a dangling one, and one to a file in the tree.
  symlinkSync('.', join(root, 'loop'));
  symlinkSync('b', join(root, 'a'));
  symlinkSync('a', join(root, 'b'));
  symlinkSync('does-not-exist', join(root, 'dangling'));
  symlinkSync('Dockerfile', join(root, 'Dockerfile.link'));
  execFileSync('mkfifo', [join(root, 'pipe')]);
  return root;
}

/** Every file's bytes and mode, to prove what changed and what did not. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const rel = path.slice(root.length + 1);
      if (st.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(path)}`;
      else if (st.isDirectory()) walk(path);
      else if (st.isFile())
        out[rel] =
          `${(st.mode & 0o7777).toString(8)} ${readFileSync(path).toString('base64')}`;
      else out[rel] = 'special';
    }
  };
  walk(root);
  return out;
}

async function inTree(root: string, args: string[], env = isolatedEnv()) {
  // The CLI prints paths as given; run it the way a user does, from the tree's root with "."
  const cwd = process.cwd();
  process.chdir(root);
  try {
    return await qci(['rewrite', ...args], { env });
  } finally {
    process.chdir(cwd);
  }
}

describe('qci rewrite: listing', () => {
  it('lists every reference in file and line order, with needs-review entries, and changes nothing', async () => {
    const root = tree();
    const before = snapshot(root);
    const r = await inTree(root, []);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${EXPECTED_LIST.join('\n')}\n`);
    expect(r.stderr).toContain(
      'warning: logo.png: binary file (it has NUL bytes) that names a CI registry; not changed',
    );
    expect(r.stderr).toContain(
      '8 references in 7 files would be rewritten (9 files scanned); 3 need review (not changed); run qci rewrite --write to change them',
    );
    // No path, and not a git checkout: it says what it reads (in ~ or / that is everything).
    expect(r.stderr).toContain(
      'warning: no path given: reading every file under',
    );
    expect((await inTree(root, ['.'])).stderr).not.toContain('no path given');
    expect(snapshot(root)).toEqual(before);
  });

  it('--check exits 1 while anything would change', async () => {
    const root = tree();
    const before = snapshot(root);
    const r = await inTree(root, ['--check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${EXPECTED_LIST.join('\n')}\n`);
    expect(snapshot(root)).toEqual(before);
  });

  it('--json carries the changes, the reviews, what was skipped and a summary', async () => {
    const root = tree();
    const r = await inTree(root, ['--json', '--check']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.mode).toBe('check');
    expect(out.summary).toEqual({
      scanned: 9,
      changes: 8,
      files: 7,
      needsReview: 3,
      skipped: 8,
      testData: 0,
      errors: 0,
      written: 0,
    });
    expect(out.changes[0]).toEqual({
      file: 'Containerfile',
      line: 1,
      column: 6,
      old: 'registry.ci.openshift.org/openshift/release:rhel-9-release-golang-1.22-openshift-4.18',
      new: `${Q}:openshift_release_rhel-9-release-golang-1.22-openshift-4.18`,
    });
    expect(
      out.needsReview.map((x: { reference: string }) => x.reference),
    ).toEqual([
      `registry.ci.openshift.org/ocp/4.7@${DIGEST}`,
      'registry.ci.openshift.org/ocp/4.18:$(TAG)',
      'registry.ci.openshift.org/ocp/4.18:${VERSION}',
    ]);
    expect(
      Object.fromEntries(
        out.skipped.map((s: { path: string; reason: string }) => [
          s.path,
          s.reason.split(' ')[0],
        ]),
      ),
    ).toEqual({
      'Dockerfile.link': 'symlink',
      a: 'symlink',
      b: 'symlink',
      dangling: 'symlink',
      loop: 'symlink',
      node_modules: 'node_modules',
      pipe: 'not',
      'logo.png': 'binary',
    });
  });
});

describe('qci rewrite shows references as written', () => {
  it('a reference cut short with … in a UTF-8 file is listed with its …, in text and in --json', async () => {
    const root = tempDir('qci-ellipsis-');
    const ref = 'registry.ci.openshift.org/origin/release:4.10.0-0.\u2026';
    writeFileSync(join(root, 'slides.tex'), `see ${ref} for the payload\n`);
    const before = snapshot(root);
    const text = await inTree(root, []);
    expect(text.stdout).toContain(`slides.tex:1: needs review: ${ref}:`);
    expect(text.stdout).not.toContain('\u00e2');
    const json = JSON.parse((await inTree(root, ['--json'])).stdout);
    expect(
      json.needsReview.map((x: { reference: string }) => x.reference),
    ).toEqual([ref]);
    expect(snapshot(root)).toEqual(before);
  });
});

describe('qci rewrite --write', () => {
  it('rewrites only the references, keeps modes and line endings; a second run is a no-op and --check then passes', async () => {
    const root = tree();
    const before = snapshot(root);
    const r = await inTree(root, ['--write']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${EXPECTED_LIST.join('\n')}\n`);
    expect(r.stderr).toContain(
      'rewrote 8 references in 7 files (9 files scanned); 3 need review (not changed)',
    );

    const read = (p: string) => readFileSync(join(root, p), 'utf8');
    expect(read('Containerfile')).toBe(
      `FROM ${Q}:openshift_release_rhel-9-release-golang-1.22-openshift-4.18 AS builder\r\nRUN make\r\nFROM ${Q}:ocp_4.18_base-rhel9\r\n`,
    );
    expect(read('Dockerfile')).toBe(
      `FROM ${Q}:ocp_4.7_base\nRUN make\nFROM registry.ci.openshift.org/ocp/4.7@${DIGEST}\n`,
    );
    expect(read('hack/build.sh')).toBe(
      `#!/bin/sh\nset -e\npodman pull ${Q}:ocp_4.18_cli\n`,
    );
    expect(read('Makefile')).toBe(
      `IMAGE ?= ${Q}:ocp_4.18_tools\nIMG := registry.ci.openshift.org/ocp/4.18:$(TAG)\n`,
    );
    expect(read('docs/README.md')).toBe(
      `# Images\n\n\`\`\`\npodman pull ${Q}:ci_ci-operator_latest\n\`\`\`\n\nLog in with \`podman login registry.ci.openshift.org\`.\n`,
    );
    expect(statSync(join(root, 'hack/build.sh')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(root, 'config.json')).mode & 0o7777).toBe(0o640);

    // Everything else is byte for byte what it was: binary, node_modules, clean file, symlinks.
    const after = snapshot(root);
    for (const path of [
      'logo.png',
      'node_modules/pkg/index.js',
      'clean.txt',
      'loop',
      'a',
      'b',
      'dangling',
      'Dockerfile.link',
      'pipe',
    ]) {
      expect(after[path], path).toBe(before[path]);
    }
    // No temporary files are left behind.
    expect(Object.keys(after).filter((p) => p.includes('.qci-'))).toEqual([]);

    const again = await inTree(root, ['--write']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `${EXPECTED_LIST.filter((l) => l.includes('needs review')).join('\n')}\n`,
    );
    expect(again.stderr).toContain('nothing to rewrite');
    expect(snapshot(root)).toEqual(after);
    expect((await inTree(root, ['--check'])).code).toBe(0);
  });

  it('bad input changes nothing: a missing path, or --write with --check', async () => {
    const root = tree();
    const before = snapshot(root);
    const missing = await inTree(root, ['--write', '.', 'no-such-dir']);
    expect(missing.code).toBe(5); // not found, as for every command given a path that is not there
    expect(missing.stderr).toContain('no-such-dir: no such file or directory');
    expect(missing.stdout).toBe('');
    const both = await inTree(root, ['--write', '--check']);
    expect(both.code).toBe(2);
    expect((await inTree(root, ['--max-size', 'lots'])).code).toBe(2);
    expect(snapshot(root)).toEqual(before);
  });

  it('a file named on the command line through a symlink is rewritten at its target; the link stays', async () => {
    const root = tree();
    const r = await inTree(root, ['--write', 'Dockerfile.link']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `Dockerfile.link:1: registry.svc.ci.openshift.org/ocp/4.7:base → ${Q}:ocp_4.7_base`,
    );
    expect(lstatSync(join(root, 'Dockerfile.link')).isSymbolicLink()).toBe(
      true,
    );
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toContain(
      `FROM ${Q}:ocp_4.7_base\n`,
    );
  });

  it('files over --max-size are reported and left alone', async () => {
    const root = tree();
    writeFileSync(
      join(root, 'big.yaml'),
      `image: registry.ci.openshift.org/ocp/4.7:cli\n${'#'.repeat(4096)}\n`,
    );
    const r = await inTree(root, ['--write', '--max-size', '2K']);
    expect(r.stderr).toContain(
      'warning: 1 file over 2 KiB not scanned (raise --max-size to include them): big.yaml',
    );
    expect(readFileSync(join(root, 'big.yaml'), 'utf8')).toContain(
      'registry.ci.openshift.org/ocp/4.7:cli',
    );
    expect(r.stdout).not.toContain('big.yaml');
  });
});

describe('qci rewrite in a git checkout', () => {
  it('follows .gitignore (tracked files are always scanned), and --no-gitignore scans everything', async () => {
    const root = tree();
    writeFileSync(join(root, '.gitignore'), 'build/\n*.log\n');
    mkdirSync(join(root, 'build'));
    writeFileSync(
      join(root, 'build', 'out.yaml'),
      'image: registry.ci.openshift.org/ocp/4.7:ignored\n',
    );
    writeFileSync(
      join(root, 'debug.log'),
      'pulled registry.ci.openshift.org/ocp/4.7:ignored\n',
    );
    writeFileSync(
      join(root, 'tracked.log'),
      'pulled registry.ci.openshift.org/ocp/4.7:tracked\n',
    );
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', root, ...args], {
        env: isolatedEnv() as NodeJS.ProcessEnv,
      });
    git('init', '-q');
    git('add', '-f', 'tracked.log', 'Dockerfile');
    writeFileSync(
      join(root, '.git', 'config.txt'),
      'url = registry.ci.openshift.org/ocp/4.7:in-git-dir\n',
    );

    const r = await inTree(root, ['--json']);
    const files = JSON.parse(r.stdout).changes.map(
      (c: { file: string }) => c.file,
    );
    expect(files).toContain('tracked.log');
    expect(files).toContain('Containerfile'); // untracked, not ignored
    expect(files).not.toContain('debug.log');
    expect(files).not.toContain('build/out.yaml');
    expect(files.some((f: string) => f.startsWith('.git/'))).toBe(false);
    expect(r.stderr).not.toContain('no path given'); // git narrows the walk

    const all = await inTree(root, ['--json', '--no-gitignore']);
    const allFiles = JSON.parse(all.stdout).changes.map(
      (c: { file: string }) => c.file,
    );
    expect(allFiles).toEqual(
      expect.arrayContaining(['debug.log', 'build/out.yaml', 'tracked.log']),
    );
    expect(allFiles.some((f: string) => f.startsWith('.git/'))).toBe(false);
  });

  it('in a subdirectory of a checkout, paths and ignores are relative to it', async () => {
    const root = tree();
    writeFileSync(join(root, '.gitignore'), 'deploy/ignored.yaml\n');
    writeFileSync(
      join(root, 'deploy', 'ignored.yaml'),
      'image: registry.ci.openshift.org/ocp/4.7:ignored\n',
    );
    execFileSync('git', ['-C', root, 'init', '-q'], {
      env: isolatedEnv() as NodeJS.ProcessEnv,
    });
    const r = await inTree(root, ['deploy']);
    expect(r.stdout).toBe(
      `${EXPECTED_LIST.filter((l) => l.startsWith('deploy/')).join('\n')}\n`,
    );
  });
});

describe('an unreadable file is reported and the others are still processed', () => {
  it('exit 1, the error names the file, every other file is rewritten', async (context) => {
    const root = tree();
    writeFileSync(
      join(root, 'secret.yaml'),
      'image: registry.ci.openshift.org/ocp/4.7:secret\n',
    );
    const isRoot = process.getuid?.() === 0;
    let result: { code: number | null; stdout: string; stderr: string };
    if (isRoot) {
      // chmod 000 does not stop root, so run the real qci as an unprivileged user on a tree it owns,
      // with one file it cannot read.
      if (!existsSync(bin))
        return context.skip('bin/qci is not built (npm run build)');
      const home = tempDir('qci-nobody-home-');
      temps.push(home);
      execFileSync('chown', ['-hR', '65534:65534', root, home]);
      chmodSync(root, 0o755);
      chownSync(join(root, 'secret.yaml'), 0, 0);
      chmodSync(join(root, 'secret.yaml'), 0o600);
      const run = spawnSync(process.execPath, [bin, 'rewrite', '--write'], {
        cwd: root,
        uid: 65534,
        gid: 65534,
        env: { PATH: process.env.PATH, HOME: home },
        encoding: 'utf8',
      });
      result = { code: run.status, stdout: run.stdout, stderr: run.stderr };
    } else {
      chmodSync(join(root, 'secret.yaml'), 0);
      result = await inTree(root, ['--write']);
    }
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: secret.yaml: cannot read it: EACCES (permission denied)',
    );
    expect(result.stdout).toBe(`${EXPECTED_LIST.join('\n')}\n`);
    expect(readFileSync(join(root, 'hack/build.sh'), 'utf8')).toContain(
      `${Q}:ocp_4.18_cli`,
    );
    expect(readFileSync(join(root, 'secret.yaml'), 'utf8')).toContain(
      'registry.ci.openshift.org/ocp/4.7:secret',
    );
  });
});

describe('the parallel pre-screen', () => {
  it('worker threads find the same files as the main thread', async () => {
    const root = tempDir('qci-screen-');
    temps.push(root);
    const files: string[] = [];
    for (let i = 0; i < 300; i++) {
      const path = join(root, `f${i}.txt`);
      writeFileSync(
        path,
        i % 7 === 0
          ? `x registry.ci.openshift.org/ocp/4.7:f${i}\n`
          : i % 50 === 1
            ? 'y'.repeat(5000)
            : `plain ${i}\n`,
      );
      files.push(path);
    }
    files.push(join(root, 'missing.txt'));
    const sorted = (xs: unknown[][]) =>
      [...xs].sort((a, b) => (a[0] as number) - (b[0] as number));
    const main = sorted(
      screenFiles(
        await import('node:fs'),
        files,
        new Int32Array(new SharedArrayBuffer(8)),
        4096,
        REGISTRY_MARKER,
      ),
    );
    const workersOnly = sorted(
      await screenInParallel(files, 4096, REGISTRY_MARKER, 3, {
        mainThread: false,
      }),
    );
    expect(workersOnly).toEqual(main);
    // Main thread and a worker together (the main thread usually takes every file before the worker
    // starts, and then does not wait for it).
    expect(
      sorted(
        await screenInParallel(files, 4096, REGISTRY_MARKER, 2, {
          minFiles: 0,
        }),
      ),
    ).toEqual(main);
    expect(main.filter((x) => x[1] === 1)).toHaveLength(43);
    expect(main.filter((x) => x[1] === 2)).toHaveLength(6);
    expect(main.at(-1)).toEqual([300, 3, 'ENOENT']);
  });

  it('a tree big enough for threads gives the same answer as a small run', async () => {
    const root = tempDir('qci-screen-big-');
    temps.push(root);
    // Over the 10,000 files from which qci reads on every core.
    for (let d = 0; d < 102; d++) {
      mkdirSync(join(root, `d${d}`));
      for (let i = 0; i < 100; i++) {
        writeFileSync(
          join(root, `d${d}`, `f${i}`),
          (d * 100 + i) % 97 === 0
            ? `FROM registry.svc.ci.openshift.org/ocp/4.7:n${d}_${i}\n`
            : `x${i}\n`,
        );
      }
    }
    const r = await inTree(root, ['--json']);
    const out = JSON.parse(r.stdout);
    expect(out.summary.scanned).toBe(10200);
    expect(out.changes.map((c: { new: string }) => c.new)).toEqual(
      Array.from({ length: 10200 }, (_, n) => n)
        .filter((n) => n % 97 === 0)
        .map((n) => [
          `d${Math.floor(n / 100)}/f${n % 100}`,
          `${Q}:ocp_4.7_n${Math.floor(n / 100)}_${n % 100}`,
        ])
        .sort((a, b) => (a[0]! < b[0]! ? -1 : 1))
        .map(([, spec]) => spec),
    );
  });
});

describe('replaceFile', () => {
  it('leaves a file alone that changed since it was read, and warns about hard links', () => {
    const root = tempDir('qci-replace-');
    temps.push(root);
    const path = join(root, 'Dockerfile');
    writeFileSync(path, 'FROM edited-meanwhile\n');
    const stale = replaceFile(
      path,
      Buffer.from('FROM registry.ci.openshift.org/ocp/4.7:cli\n'),
      Buffer.from('FROM new\n'),
      process.pid,
    );
    expect(stale.error).toContain('changed while qci was working on it');
    expect(readFileSync(path, 'utf8')).toBe('FROM edited-meanwhile\n');

    linkSync(path, join(root, 'hardlink'));
    const linked = replaceFile(
      path,
      Buffer.from('FROM edited-meanwhile\n'),
      Buffer.from('FROM new\n'),
      process.pid,
    );
    expect(linked).toEqual({
      warning:
        'it had 2 hard links; the rewritten file is a new file, the other links keep the old content',
    });
    expect(readFileSync(path, 'utf8')).toBe('FROM new\n');
    expect(readFileSync(join(root, 'hardlink'), 'utf8')).toBe(
      'FROM edited-meanwhile\n',
    );
    expect(readdirSync(root).sort()).toEqual(['Dockerfile', 'hardlink']);
  });
});

/** Writes `files` under a fresh temp dir and returns it. */
function shapedTree(files: Record<string, string>): string {
  const root = tempDir('qci-rewrite-shaped-');
  temps.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('qci rewrite on trees shaped like openshift/ci-docs and openshift/ci-tools', () => {
  // Shaped after openshift/ci-docs: content/en/architecture/ci-operator.md (inputs.as example and its
  // Dockerfile), content/en/internals (payloads, mapping prose), a how-to with a templated builder tag.
  const CI_DOCS: Record<string, string> = {
    'content/en/architecture/ci-operator.md': [
      '# ci-operator',
      '',
      'ci-operator replaces registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.15-openshift-4.6 in the build.',
      '',
      '```yaml',
      'images:',
      '- dockerfile_path: Dockerfile.rhel7',
      '  inputs:',
      '    ocp_builder_rhel-8-golang-1.15-openshift-4.6:',
      '      as:',
      '      - registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.15-openshift-4.6',
      '  to: cluster-etcd-operator',
      '```',
      '',
      '```Dockerfile',
      'FROM registry.ci.openshift.org/ocp/4.6:base',
      '```',
      '',
    ].join('\n'),
    'content/en/how-tos/qci.md': [
      '`registry.ci.openshift.org/ci/x:1` is available as `quay.io/openshift/ci:ci_x_1`.',
      '',
      'Builder images follow `registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.22-openshift-{MAJOR}.{MINOR}`.',
      '',
      'Payloads: `registry.ci.openshift.org/ocp/release:4.11.0-0.nightly-2022-06-23-153912`.',
      '',
      '```sh',
      'podman pull registry.ci.openshift.org/ci/ci-operator:latest',
      '```',
      '',
    ].join('\n'),
  };

  it('ci-docs: only the pulls in code change; as:, prose, mapping, templates and payloads are listed', async () => {
    const root = shapedTree(CI_DOCS);
    const r = await inTree(root, ['--write']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => !l.includes('needs review'))).toEqual([
      `content/en/architecture/ci-operator.md:16: registry.ci.openshift.org/ocp/4.6:base → ${Q}:ocp_4.6_base`,
      `content/en/how-tos/qci.md:8: registry.ci.openshift.org/ci/ci-operator:latest → ${Q}:ci_ci-operator_latest`,
    ]);
    const reviews = lines
      .filter((l) => l.includes('needs review'))
      .map((l) =>
        /^([^:]+:\d+): needs review: (\S+): ([^;,(]+)/.exec(l)!.slice(1),
      );
    expect(reviews).toEqual([
      [
        'content/en/architecture/ci-operator.md:3',
        'registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.15-openshift-4.6',
        'prose ',
      ],
      [
        'content/en/architecture/ci-operator.md:11',
        'registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.15-openshift-4.6',
        'an inputs.<name>.as value: ci-operator matches it',
      ],
      [
        'content/en/how-tos/qci.md:1',
        'registry.ci.openshift.org/ci/x:1',
        'the line names the QCI form too: it explains the mapping',
      ],
      [
        'content/en/how-tos/qci.md:3',
        'registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.22-openshift-{MAJOR}.{MINOR}',
        'templated',
      ],
      [
        'content/en/how-tos/qci.md:5',
        'registry.ci.openshift.org/ocp/release:4.11.0-0.nightly-2022-06-23-153912',
        'a release payload: ocp/release and origin/release streams are made by the release controller on app.ci',
      ],
    ]);
    const read = (p: string) => readFileSync(join(root, p), 'utf8');
    expect(read('content/en/how-tos/qci.md')).toBe(
      CI_DOCS['content/en/how-tos/qci.md']!.replace(
        'podman pull registry.ci.openshift.org/ci/ci-operator:latest',
        `podman pull ${Q}:ci_ci-operator_latest`,
      ),
    );
    expect(read('content/en/architecture/ci-operator.md')).toBe(
      CI_DOCS['content/en/architecture/ci-operator.md']!.replace(
        'FROM registry.ci.openshift.org/ocp/4.6:base',
        `FROM ${Q}:ocp_4.6_base`,
      ),
    );
  });

  // Shaped after openshift/ci-tools: Go tests with inputs and expected outputs, testdata/ and
  // zz_fixture files, one real pull in a Makefile, and a component Dockerfile paired with an as:.
  const CI_TOOLS: Record<string, string> = {
    'pkg/api/promotion_test.go':
      'package api\n\nvar cases = map[string]string{\n\t"registry.ci.openshift.org/ocp/4.22-quay:vpa": "quay-proxy.ci.openshift.org/openshift/ci:ocp_4.22_vpa",\n}\n',
    'test/integration/ci-operator/testdata/zz_fixture_config.yaml':
      'base_images:\n  os:\n    name: centos\n    namespace: origin\n    tag: stream9\nimage: registry.ci.openshift.org/ci/tools:1\n',
    'pkg/steps/fixtures/build.json':
      '{"from": "registry.ci.openshift.org/ocp/4.18:base"}\n',
    Makefile:
      'golangci: \n\tpodman run registry.ci.openshift.org/ci/golangci-lint:v1.64.8 run\n',
    'images/ci-operator/Dockerfile':
      'FROM registry.ci.openshift.org/ocp/4.18:base-rhel9\nADD ci-operator /usr/bin/\n',
    '.ci-operator/config.yaml':
      'images:\n- dockerfile_path: images/ci-operator/Dockerfile\n  inputs:\n    base:\n      as:\n      - registry.ci.openshift.org/ocp/4.18:base-rhel9\n  to: ci-operator\n',
    // The consts of ci-tools' pkg/controller/quay_io_ci_images_distributor/qci_to_appci_test.go:105-110,
    // at a path that does not say test: recognised by content (each name beside its QCI form).
    'pkg/controller/quay_io_ci_images_distributor/cases.go':
      'package distributor\n\nconst (\n\tsrc   = "quay-proxy.ci.openshift.org/openshift/ci:ci_foo_latest"\n\tdest  = "registry.ci.openshift.org/ci/foo:latest"\n\tsrc2  = "quay-proxy.ci.openshift.org/openshift/ci:ci_bar_latest"\n\tdest2 = "registry.ci.openshift.org/ci/bar:latest"\n)\n',
    // An ocp/builder FROM with no as: naming it: rewritten (ci-operator reads the QCI form as the same
    // ocp/builder tag: ci-tools pkg/dockerfile/extract.go).
    'images/ci-operator-configresolver/Dockerfile':
      'FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.22-openshift-4.17 AS builder\nRUN make\n',
  };

  it('ci-tools: test data is skipped and counted; the FROM and its as: are listed together; --check passes on the rest', async () => {
    const root = shapedTree(CI_TOOLS);
    const before = snapshot(root);
    const r = await inTree(root, ['--check']);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^\.ci-operator\/config\.yaml:6: needs review: registry\.ci\.openshift\.org\/ocp\/4\.18:base-rhel9: an inputs\.<name>\.as value/,
      ),
      `Makefile:2: registry.ci.openshift.org/ci/golangci-lint:v1.64.8 → ${Q}:ci_golangci-lint_v1.64.8`,
      `images/ci-operator-configresolver/Dockerfile:1: registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.22-openshift-4.17 → ${Q}:ocp_builder_rhel-9-golang-1.22-openshift-4.17`,
      expect.stringMatching(
        /^images\/ci-operator\/Dockerfile:1: needs review: registry\.ci\.openshift\.org\/ocp\/4\.18:base-rhel9: a FROM that an inputs\.<name>\.as entry in this tree names/,
      ),
    ]);
    expect(r.stderr).toContain(
      '2 references in 2 files would be rewritten (8 files scanned; 4 test-data files skipped (--include-tests)); 2 need review',
    );
    const json = JSON.parse((await inTree(root, ['--json'])).stdout);
    expect(json.skipped).toContainEqual({
      path: 'pkg/controller/quay_io_ci_images_distributor/cases.go',
      reason: expect.stringContaining('paired with its own QCI form'),
    });
    expect(snapshot(root)).toEqual(before);

    const all = await inTree(root, ['--json', '--include-tests']);
    const out = JSON.parse(all.stdout);
    expect(out.summary.testData).toBe(0);
    expect(out.changes.map((c: { file: string }) => c.file)).toEqual([
      'Makefile',
      'images/ci-operator-configresolver/Dockerfile',
      'pkg/controller/quay_io_ci_images_distributor/cases.go',
      'pkg/controller/quay_io_ci_images_distributor/cases.go',
      'pkg/steps/fixtures/build.json',
      'test/integration/ci-operator/testdata/zz_fixture_config.yaml',
    ]);
    // The Go map pairs a key with its QCI form: listed, never made equal to its value.
    expect(out.needsReview.map((x: { file: string }) => x.file)).toContain(
      'pkg/api/promotion_test.go',
    );
  });
});

describe('qci rewrite and git', () => {
  it("never runs a scanned repository's core.fsmonitor", async () => {
    const repo = tempDir('qci-fsmonitor-');
    const marker = join(repo, '..', `${repo.split('/').pop()}-pwned`);
    execFileSync('git', ['init', '-q', repo]);
    execFileSync('git', [
      '-C',
      repo,
      'config',
      'core.fsmonitor',
      `touch ${marker}`,
    ]);
    writeFileSync(
      join(repo, 'Dockerfile'),
      'FROM registry.svc.ci.openshift.org/ocp/4.7:base\n',
    );
    const r = await qci(['rewrite', '--check', repo], { env: isolatedEnv() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_base',
    );
    expect(existsSync(marker)).toBe(false);
  });
});
