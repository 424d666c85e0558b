/**
 * What a new user trips over in the first ten minutes, through the built bin/qci (no test bed: nothing
 * here reaches a registry; a pull runs with --dry-run, an inspect against a closed port): global flags
 * alone, --tls-verify before a reference, pasted and mistyped references, oc's `--token`, help for help,
 * unknown commands, and help in groups with guides.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isolatedEnv } from '../helpers/cli.js';
import { QCI_BIN } from '../helpers/pty.js';

const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [QCI_BIN, ...args], {
    // No DOCKER_CONFIG: a missing one would stop podman (and qci inspect) before the registry.
    env: isolatedEnv({ DOCKER_CONFIG: undefined }) as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** A registry address nothing listens on: inspect fails there with exit 6, after parsing its flags. */
const CLOSED = ['--registry', '127.0.0.1:9', '--no-login', '--timeout', '2'];
const REF = 'ocp/4.7:my-component';
const SPEC = 'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_my-component';

describe('global flags without a command', () => {
  it.each([['-v'], ['--verbose'], ['-v', '--verbose']])(
    'qci %s prints the overview bare qci prints, exit 0',
    (...flags) => {
      const bare = run([]);
      const r = run(flags);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(bare.stdout);
      expect(r.stdout).toContain('Start with:');
      expect(r.stderr).toBe('');
    },
  );

  it('qci --json prints the commands and guides as one JSON document, exit 0', () => {
    const r = run(['--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    const names = doc.commands.map((c: { name: string }) => c.name);
    expect(names).toEqual(expect.arrayContaining(['pull', 'login', 'help']));
    expect(
      doc.commands.find((c: { name: string }) => c.name === 'whoami'),
    ).toMatchObject({ aliases: ['status'], group: 'Logins' });
    expect(doc.topics.map((t: { name: string }) => t.name)).toContain(
      'credentials',
    );
    expect(r.stdout).not.toContain('outputHelp');
  });
});

describe('an optional boolean flag takes only true or false', () => {
  it('qci pull --tls-verify REF pulls REF', () => {
    const r = run(['pull', '--dry-run', '--tls-verify', REF]);
    expect(r.stderr).not.toContain('missing required argument');
    expect(r.code).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain(
      `podman pull --platform linux/amd64 ${SPEC}`,
    );
  });

  it.each([
    [['--tls-verify', 'false', REF]],
    [['--tls-verify=false', REF]],
    [[REF, '--tls-verify', 'FALSE']],
  ])('qci pull %j still turns verification off', (args) => {
    const r = run(['pull', '--dry-run', ...args]);
    expect(r.code).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain(`--tls-verify=false ${SPEC}`);
  });

  it('qci inspect --tls-verify REF inspects REF', () => {
    const r = run(['inspect', '--tls-verify', REF, ...CLOSED]);
    expect(r.stderr).not.toContain('missing required argument');
    expect(r.code).toBe(6); // it got as far as the registry
  });
});

describe('typos and pasted references', () => {
  it.each([
    ['pullspec', 'ocp/4.7/my-component'],
    ['pull', 'ocp/4.7/my-component'],
    ['inspect', 'ocp/4.7/my-component'],
    // The QCI tag alone, as it appears in a pull spec.
    ['pullspec', 'ocp_4.7_my-component'],
    ['pull', 'ocp_4.7_my-component'],
  ])('qci %s %s: did you mean ocp/4.7:my-component?', (command, input) => {
    const r = run([command, input]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`did you mean ${REF}?`);
  });

  it('a tag of more than three "_" parts is not guessed at (which "_" splits NAME from TAG?)', () => {
    const r = run(['pullspec', 'ocp_4.7_my_component']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('did you mean');
  });

  it.each([
    [`registry.ci.openshift.org/${REF}`],
    [`registry.svc.ci.openshift.org/${REF}`],
    ['OCP/4.7:my-component'],
  ])('qci pull and qci inspect %s warn as qci pullspec does', (ref) => {
    const warnings = run(['pullspec', ref])
      .stderr.split('\n')
      .filter((l) => l.startsWith('warning: '));
    expect(warnings.length).toBeGreaterThan(0);
    const pull = run(['pull', '--dry-run', ref]);
    expect(pull.code).toBe(0);
    const inspect = run(['inspect', ref, ...CLOSED]);
    expect(inspect.code).toBe(6);
    for (const warning of warnings) {
      expect(pull.stderr).toContain(warning);
      expect(inspect.stderr).toContain(warning);
    }
  });

  it.each([
    [['login', '--token', 'sha256~pasted-by-reflex']],
    [['login', '--token=sha256~pasted-by-reflex']],
    [['login', '--token']],
  ])('qci %j says why a token goes in a file, and never shows it', (args) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('/proc/PID/cmdline');
    expect(r.stderr).toContain('qci login --token-file FILE');
    expect(r.stderr).not.toContain('pasted-by-reflex');
  });

  it.each([
    [['login', '-u', 'me', '-p', 'sha256~pasted-by-habit'], true],
    [
      [
        'login',
        '-u=me',
        '-p=sha256~pasted-by-habit',
        'quay-proxy.ci.openshift.org',
      ],
      true,
    ],
    [['login', '--password-stdin', '-u', 'me'], false],
  ])(
    "qci %j (podman login's habit) says qci logs in with the app.ci token itself, and never shows it",
    (args, password) => {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('qci login takes no username or password');
      expect(r.stderr.includes('stays in your shell history')).toBe(password);
      expect(r.stderr).not.toContain('pasted-by-habit');
    },
  );

  it('qci login HOST is qci login --registry HOST; two different ones are refused', () => {
    const r = run(['login', 'a.example.com', '--registry', 'b.example.com']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'two registries given: a.example.com and --registry b.example.com',
    );
    const bad = run(['login', 'https://a.example.com/x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('qci login a.example.com');
    // A bare word is a slip, never a host for DNS search domains to complete and get the token.
    const web = run(['login', 'web']);
    expect(web.code).toBe(2);
    expect(web.stderr).toContain('did you mean qci login --web?');
    const word = run(['login', 'status']);
    expect(word.code).toBe(2);
    expect(word.stderr).toContain('"status" is not a registry host');
    expect(
      run(['login', 'A.example.com', '--registry', 'a.example.com']).stderr,
    ).not.toContain('two registries');
  });

  it.each([
    ['quay.io', 'QCI is quay.io/openshift/ci, pulled through'],
    ['docker.io', "for docker.io's own credential: podman login docker.io"],
  ])(
    'qci login %s is refused: the app.ci token goes only to registries that take it',
    (host, hint) => {
      for (const args of [
        ['login', host],
        ['login', '--registry', host],
      ]) {
        const r = run(args);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`${host} does not take the app.ci token`);
        expect(r.stderr).toContain(hint);
      }
    },
  );

  it('qci help help helps', () => {
    const r = run(['help', 'help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: qci help [command|topic]');
  });

  it.each([
    ['pul', 'did you mean qci pull'],
    ['pulspec', 'did you mean qci pullspec?'],
    ['logni', 'did you mean qci login?'],
    ['push', null],
    ['ls', null],
  ])('an unknown command %s suggests only close matches', (word, hint) => {
    const r = run([word]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`unknown command '${word}'`);
    if (hint) expect(r.stderr).toContain(hint);
    else expect(r.stderr).not.toMatch(/did you mean/i);
  });
});

describe('help in groups, with guides', () => {
  const help = run(['help']).stdout;
  const HEADINGS = [
    'Images:',
    'Logins:',
    'CI jobs and configs:',
    'Automation:',
    'Other:',
    'Help topics (qci help TOPIC):',
  ];

  it('qci help lists the commands under headings, each once', () => {
    const at = HEADINGS.map((h) => help.indexOf(`\n${h}\n`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const listed = [...help.matchAll(/^ {2}([a-z-]+)[ |]/gm)].map((m) => m[1]);
    for (const name of ['pull', 'login', 'job-image', 'sa', 'version'])
      expect(listed.filter((n) => n === name)).toHaveLength(1);
    expect(help).not.toContain('\nCommands:\n');
  });

  it.each([['credentials'], ['references'], ['settings'], ['exit-codes']])(
    'qci help %s is a guide, listed in qci help, that fits 80 columns',
    (topic) => {
      expect(help).toMatch(new RegExp(`\\n {2}${topic} +\\S`));
      const r = run(['help', topic]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: qci help ${topic}\\n\\n`));
      for (const line of r.stdout.split('\n'))
        expect([...line].length, line).toBeLessThanOrEqual(80);
    },
  );

  it('qci help settings names every config key, the job-log ones too', () => {
    const r = run(['help', 'settings']);
    for (const key of [
      'registry',
      'tls-verify',
      'context',
      'engine',
      'platform',
      'job-log-timeout',
      'job-log-max-bytes',
      'job-log-max-redirects',
    ])
      expect(r.stdout).toMatch(new RegExp(`^ {2}${key}$`, 'm'));
  });
});

describe('the README', () => {
  it('names only commands qci has, and only guides qci help has', () => {
    const readme = readFileSync(
      fileURLToPath(new URL('../../README.md', import.meta.url)),
      'utf8',
    );
    const doc = JSON.parse(run(['--json']).stdout);
    const commands = doc.commands.flatMap(
      (c: { name: string; aliases: string[] }) => [c.name, ...c.aliases],
    );
    const topics = doc.topics.map((t: { name: string }) => t.name);
    const used = [
      ...readme.matchAll(
        /(?:`|\$ )(?:\.\/bin\/)?qci ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/g,
      ),
    ];
    expect(used.length).toBeGreaterThan(20);
    for (const [text, word, next] of used) {
      expect(commands, text).toContain(word);
      if (word === 'help' && next !== undefined)
        expect([...commands, ...topics], text).toContain(next);
    }
  });
});
