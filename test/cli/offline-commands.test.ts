import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isolatedEnv, qci } from '../helpers/cli.js';

/** `qci pullspec ARGS`. */
const pullspec = (...args: string[]) => qci(['pullspec', ...args]);

describe('qci pullspec', () => {
  it('prints one pull spec a line, in input order', async () => {
    const r = await pullspec(
      'ocp/4.7:my-component',
      'registry.svc.ci.openshift.org/ci/ci-operator:latest',
      'quay.io/openshift/ci:ocp_4.7_cli',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_my-component',
        'quay-proxy.ci.openshift.org/openshift/ci:ci_ci-operator_latest',
        'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_cli',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toContain(
      'registry.svc.ci.openshift.org is decommissioned',
    );
  });

  it('upper case as ci-tools writes it, and the wrong quay-proxy NS/NAME:TAG form: the meant pull spec on stdout, a note on stderr', async () => {
    const r = await pullspec(
      'build-cache/Azure-ARO-HCP:main',
      'quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests:latest',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'quay-proxy.ci.openshift.org/openshift/ci:build-cache_Azure-ARO-HCP_main\n' +
        'quay-proxy.ci.openshift.org/openshift/ci:aro-hcp_aro-hcp-e2e-tests_latest\n',
    );
    expect(r.stderr).toContain('"Azure-ARO-HCP" has upper case');
    expect(r.stderr).not.toContain('azure-aro-hcp');
    expect(r.stderr).toContain(
      'serves only the single repository openshift/ci',
    );
  });

  it('--direct prints the quay.io/openshift/ci form', async () => {
    const r = await qci(['pullspec', '--direct', 'ocp/4.7:my-component']);
    expect(r.stdout).toBe('quay.io/openshift/ci:ocp_4.7_my-component\n');
  });

  it('a bad reference among good ones: the good ones print, the bad one errors on stderr, exit non-zero', async () => {
    const r = await qci(['pullspec', 'ocp/4.7:a', 'o_cp/4.7:b', 'ocp/4.7:c']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(
      'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_a\nquay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_c\n',
    );
    expect(r.stderr).toMatch(
      /error: invalid reference "o_cp\/4.7:b": namespace "o_cp" contains "_"/,
    );
  });

  it('--json gives one object per input, errors included', async () => {
    const r = await qci([
      '--json',
      'pullspec',
      'registry.svc.ci.openshift.org/ocp/4.7:cli',
      'ocp/4.7',
    ]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({
      input: 'registry.svc.ci.openshift.org/ocp/4.7:cli',
      kind: 'decommissioned-registry',
      namespace: 'ocp',
      name: '4.7',
      tag: 'cli',
      qciTag: 'ocp_4.7_cli',
      pullSpec: 'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_cli',
      directSpec: 'quay.io/openshift/ci:ocp_4.7_cli',
      error: null,
    });
    expect(out[0].warnings[0]).toContain('decommissioned');
    expect(out[1]).toMatchObject({
      input: 'ocp/4.7',
      pullSpec: null,
      error: { part: 'tag' },
    });
  });

  it('- with nothing on stdin is a usage error, not silence', async () => {
    const r = await qci(['pullspec', '-'], { stdin: '# only a comment\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no references on standard input');
  });

  it('reads references from stdin with -', async () => {
    const r = await qci(['pullspec', '-'], {
      stdin: '# comment\nocp/4.7:a\r\n\nci/ci-operator:latest\n',
    });
    expect(r.stdout).toBe(
      'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_a\nquay-proxy.ci.openshift.org/openshift/ci:ci_ci-operator_latest\n',
    );
  });

  it('honours the pull host from flag, environment and config file, in that order', async () => {
    const env = isolatedEnv({ QCI_REGISTRY: '127.0.0.1:5000' });
    const configDir = join(env.XDG_CONFIG_HOME!, 'qci');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, 'config.yaml'), 'registry: 10.1.1.1:443\n');
    expect((await qci(['pullspec', 'ocp/4.7:a'], { env })).stdout).toBe(
      '127.0.0.1:5000/openshift/ci:ocp_4.7_a\n',
    );
    expect(
      (
        await qci(['pullspec', '--registry', 'localhost:7000', 'ocp/4.7:a'], {
          env,
        })
      ).stdout,
    ).toBe('localhost:7000/openshift/ci:ocp_4.7_a\n');
    delete env.QCI_REGISTRY;
    expect((await qci(['pullspec', 'ocp/4.7:a'], { env })).stdout).toBe(
      '10.1.1.1:443/openshift/ci:ocp_4.7_a\n',
    );
    const verbose = await qci(['--verbose', 'pullspec', 'ocp/4.7:a'], { env });
    expect(verbose.stderr).toContain(
      'setting registry=10.1.1.1:443 (from config file)',
    );
  });

  it('a bad setting is a usage error that names its source, and prints nothing on stdout', async () => {
    const r = await qci(['pullspec', 'ocp/4.7:a'], {
      env: isolatedEnv({ QCI_REGISTRY: 'https://quay.io/x' }),
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('environment QCI_REGISTRY=https://quay.io/x');
  });

  it('a config file that is not YAML is a clear error with its path and line', async () => {
    const env = isolatedEnv();
    const path = join(env.XDG_CONFIG_HOME!, 'qci', 'config.yaml');
    mkdirSync(join(env.XDG_CONFIG_HOME!, 'qci'), { recursive: true });
    writeFileSync(path, 'registry: [unclosed\n');
    const r = await qci(['pullspec', 'ocp/4.7:a'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`config file ${path}: not valid YAML (line`);
  });

  it.each([
    [
      'an alias bomb',
      [
        'a: &a [x, x, x, x, x, x, x, x, x]',
        ...'bcdefgh'
          .split('')
          .map(
            (n, i) =>
              `${n}: &${n} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`,
          ),
        'registry: *h',
      ].join('\n'),
      'not a YAML document qci can read (Excessive alias count',
    ],
    ['a misspelt key', 'registyr: x\n', 'unknown key "registyr"'],
    [
      'a value of the wrong type',
      'tls-verify: maybe\n',
      'tls-verify: expected boolean',
    ],
  ])(
    'a config file with %s is a clear error (exit 2), not a crash',
    async (_, text, words) => {
      const env = isolatedEnv();
      const path = join(env.XDG_CONFIG_HOME!, 'qci', 'config.yaml');
      mkdirSync(join(env.XDG_CONFIG_HOME!, 'qci'), { recursive: true });
      writeFileSync(path, text);
      const r = await qci(['pullspec', 'ocp/4.7:a'], { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`config file ${path}: ${words}`);
      expect(r.stderr).not.toContain('unexpected error');
    },
  );

  it.each([
    ['login', '--authfile', ''],
    ['pull', '--authfile', '', 'ocp/4.7:cli'],
    ['whoami', '--authfile', ' '],
  ])(
    '%s with --authfile given empty: a usage error before anything runs',
    async (...args) => {
      const r = await qci(args, { env: isolatedEnv() });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--authfile needs a path; it was given empty');
    },
  );

  it('a config file QCI_CONFIG names that is not there is an error, not no settings', async () => {
    const env = isolatedEnv();
    env.QCI_CONFIG = join(env.HOME!, 'typo.yaml');
    const r = await qci(['pullspec', 'ocp/4.7:a'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `config file ${env.QCI_CONFIG} (QCI_CONFIG): no such file`,
    );
  });
});

describe('qci registries', () => {
  it('prints an aligned table with QCI first', async () => {
    // Piped: every row whole on one line (with COLUMNS=80 the notes would wrap).
    const r = await qci(['registries'], {
      env: isolatedEnv({ COLUMNS: undefined }),
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CLUSTER\s+REGISTRY\s+NOTES$/);
    expect(lines[1]).toMatch(/^QCI\s+quay-proxy\.ci\.openshift\.org\s+/);
    expect(r.stdout).toMatch(/build02\s+registry\.build02\.ci\.openshift\.org/);
    expect(r.stdout).toMatch(
      /vsphere02\s+registry\.apps\.build02\.vmc\.ci\.openshift\.org\s+.*vSphere administrators/,
    );
    // Aligned: the registry column starts at the same offset on every line.
    const offsets = lines.map((l) =>
      l.search(/(REGISTRY|quay-proxy|registry\.|-\s{2,})/),
    );
    expect(new Set(offsets).size).toBe(1);
  });

  it('--json for scripts', async () => {
    const r = await qci(['registries', '--json']);
    const rows = JSON.parse(r.stdout) as {
      cluster: string;
      registry: string | null;
    }[];
    expect(rows[0]).toMatchObject({
      cluster: 'QCI',
      registry: 'quay-proxy.ci.openshift.org',
    });
    expect(rows.find((x) => x.cluster === 'build05')?.registry).toBe(
      'registry.build05.ci.openshift.org',
    );
    expect(rows.find((x) => x.cluster === 'hosted-mgmt')?.registry).toBeNull();
  });
});

describe('the CLI frame', () => {
  it('every command has --help with an example', async () => {
    const root = await qci(['--help']);
    expect(root.code).toBe(0);
    // The commands, under their group headings, from Images: to the examples.
    const commandList = root.stdout.split('Images:')[1]!.split('Examples:')[0]!;
    const commands = [...commandList.matchAll(/^ {2}([a-z-]+) /gm)]
      .map((m) => m[1]!)
      .filter((c) => c !== 'help');
    expect(commands).toEqual(
      expect.arrayContaining(['pullspec', 'registries']),
    );
    for (const command of commands) {
      const help = await qci([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(
        new RegExp(`Examples:\\n(?:\\s+# .*\\n)*\\s+\\$ qci ${command}`),
      );
    }
    expect(root.stdout).toMatch(/Help topics.*\n(?: {2}.*\n)* {2}exit-codes /);
    expect((await qci(['help', 'exit-codes'])).stdout).toContain('Exit codes:');
  });

  it('--version prints the version', async () => {
    const r = await qci(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown command or flag is a usage error (exit 2) with a suggestion', async () => {
    const r = await qci(['pulspec', 'ocp/4.7:a']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'pulspec'");
    expect(r.stderr).toContain('pullspec');
    expect((await qci(['pullspec', '--nope', 'ocp/4.7:a'])).code).toBe(2);
  });

  it("commander's own error messages do not echo a token passed as an unknown option", async () => {
    const token = `sha256~${'A'.repeat(43)}`;
    // (--token and --password are refused by qci login with its reasons: test/e2e/first-ten-minutes.test.ts)
    const r = await qci(['login', `--secret=${token}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option');
    expect(r.stderr).not.toContain(token);
  });

  it('colours only on a terminal, and honours NO_COLOR and FORCE_COLOR', async () => {
    const bad = ['pullspec', 'Ocp/4.7:a'];
    const esc = '\u001b[';
    expect((await qci(bad, { tty: false })).stderr).not.toContain(esc);
    expect((await qci(bad, { tty: true })).stderr).toContain(esc);
    expect(
      (await qci(bad, { tty: true, env: isolatedEnv({ NO_COLOR: '1' }) }))
        .stderr,
    ).not.toContain(esc);
    expect(
      (await qci(bad, { tty: false, env: isolatedEnv({ FORCE_COLOR: '1' }) }))
        .stderr,
    ).toContain(esc);
    expect(
      (await qci(bad, { tty: true, env: isolatedEnv({ FORCE_COLOR: '0' }) }))
        .stderr,
    ).not.toContain(esc);
  });
});

describe('qci doctor on a terminal', () => {
  it('draws a live checklist line on stderr, then prints the report in check order', async () => {
    // PATH without podman: this in-process run must not read the machine's own image store.
    const env = isolatedEnv({
      QCI_REGISTRY: '127.0.0.1:9',
      FORCE_COLOR: '0',
      PATH: dirname(process.execPath),
    });
    const r = await qci(['doctor', '--timeout', '3'], { tty: true, env });
    expect(r.code).toBe(1); // no engine, no kubeconfig, nothing listening on the registry port
    expect(r.stderr).toMatch(
      /\r\u001b\[2K… engines {2}… app\.ci {2}… auth files/,
    );
    expect(r.stderr).toMatch(
      /\r\u001b\[2K$|\r\u001b\[2K[^\r]*problems? to fix/,
    );
    const order = [
      'engines',
      'app.ci',
      'auth files',
      'environment',
      'registry',
    ].map((check) =>
      r.stdout.search(new RegExp(`^. ${check.replace('.', '\\.')} `, 'm')),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});
