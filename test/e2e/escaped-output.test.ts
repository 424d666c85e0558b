/**
 * Text from files, file names and servers cannot drive the terminal or fake output
 * lines in human output; --json stays exact. The real bin/qci on a tree whose file names hold a newline
 * and an escape sequence, and on a job log whose console line carries one.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  escapeControl,
  escapeControlKeepColours,
} from '../../src/core/escape.js';
import { isolatedEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const QCI = fileURLToPath(new URL('../../bin/qci', import.meta.url));
const run = (args: string[]) =>
  spawnSync(process.execPath, [QCI, ...args], {
    env: isolatedEnv() as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });

describe('escaping in human output', () => {
  it.each([
    ['a\nb', 'a\\nb'],
    ['tab\tstays', 'tab\tstays'],
    ['\u001b]0;title\u0007', '\\e]0;title\\x07'],
    ['\u001b[2J', '\\e[2J'],
    ['cr\rover', 'cr\\rover'],
    ['c1 \u009b', 'c1 \\x9b'],
    ['bidi \u202e', 'bidi \\u202e'],
    ['del \u007f', 'del \\x7f'],
    ['plain ü ✓', 'plain ü ✓'],
  ])('escapeControl(%j) = %j', (text, shown) => {
    expect(escapeControl(text)).toBe(shown);
  });

  it.each([
    ['\u001b[31m✗\u001b[39m red', '\u001b[31m✗\u001b[39m red'],
    ['\u001b[1m\u001b[2mdim\u001b[22m', '\u001b[1m\u001b[2mdim\u001b[22m'],
    ['\u001b[8mconcealed', '\\e[8mconcealed'],
    ['\u001b[5mblink', '\\e[5mblink'],
    ['x\u001b]52;c;aGk=\u0007', 'x\\e]52;c;aGk=\\x07'],
    ['zero\u200bwidth', 'zero\\u200bwidth'],
    ['emoji 👩\u200d💻 stays', 'emoji 👩\u200d💻 stays'],
  ])("escapeControlKeepColours(%j): qci's own colours only", (text, shown) => {
    expect(escapeControlKeepColours(text)).toBe(shown);
  });

  it('qci rewrite: a file name with a newline and an escape sequence cannot fake a line; --json is exact', () => {
    const root = tempDir('qci-escape-');
    const name = 'evil\nFAKE:1: all good\u001b[2J.Dockerfile';
    mkdirSync(join(root, 'dir'));
    writeFileSync(
      join(root, 'dir', name),
      'FROM registry.svc.ci.openshift.org/ocp/4.7:base\n',
    );
    const human = run(['rewrite', '--check', root]);
    expect(human.status).toBe(1);
    const lines = human.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('evil\\nFAKE:1: all good\\e[2J.Dockerfile:1:');
    expect(human.stdout + human.stderr).not.toContain('\u001b[2J');

    const json = run(['rewrite', '--check', '--json', root]);
    const parsed = JSON.parse(json.stdout);
    expect(JSON.stringify(parsed)).toContain(JSON.stringify(name).slice(1, -1));
  });

  it("qci whoami: a kube context's name cannot write the clipboard (OSC 52) through the status lines", () => {
    const env = isolatedEnv();
    mkdirSync(join(env.HOME!, '.kube'), { recursive: true });
    writeFileSync(
      env.KUBECONFIG!,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        `contexts: [{name: "x\\e]52;c;aGk=\\a", context: {cluster: c, user: u}}]`,
        'current-context: "x\\e]52;c;aGk=\\a"',
        '',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [QCI, 'whoami'], {
      env: { ...env, FORCE_COLOR: '1' } as NodeJS.ProcessEnv,
      encoding: 'utf8',
    });
    const out = r.stdout + r.stderr;
    expect(out).toContain('x\\e]52;c;aGk=\\x07');
    // qci's own colours stay; nothing else escapes.
    expect(out.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(/\u001b|\u0007/);
  });

  it('qci job-image: a log line with an escape sequence is shown escaped', () => {
    const dir = tempDir('qci-escape-log-');
    const log = join(dir, 'build-log.txt');
    writeFileSync(
      log,
      '2020/11/20 14:12:28\u001b]0;pwned\u0007 Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-abc\n',
    );
    const r = run(['job-image', log]);
    expect(r.stdout + r.stderr).not.toMatch(/\u001b|\u0007/);
  });
});
