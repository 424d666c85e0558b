/**
 * A "Using namespace" line pasted into Markdown or prose (a README, an issue) is read as a reader sees
 * it: the namespace ends at the backtick, parenthesis or period that closes the quote. The real bin/qci
 * on such a file.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const QCI = fileURLToPath(new URL('../../bin/qci', import.meta.url));
const ROSA =
  'https://console-openshift-console.apps.build03.ky4t.p1.openshiftapps.com/k8s/cluster/projects/ci-op-w4n1s3p5';

function jobImage(text: string) {
  const dir = tempDir('qci-quoted-');
  const file = join(dir, 'README.md');
  writeFileSync(file, text);
  return spawnSync(process.execPath, [QCI, 'job-image', '--json', file], {
    env: isolatedEnv() as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
}

describe('qci job-image on a log line quoted in Markdown', () => {
  it.each([
    [
      'inline code',
      `## Debugging\n\nThe job printed \`Using namespace ${ROSA}\` first.\n`,
    ],
    ['a sentence', `It said Using namespace ${ROSA}.\n`],
    [
      'parentheses',
      `(the log: INFO[2023-03-21T15:08:05Z] Using namespace ${ROSA})\n`,
    ],
    ['an autolink', `> Using namespace <${ROSA}>\n`],
  ])('%s: the namespace and build farm are found', (_name, text) => {
    const r = jobImage(text);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      namespace: 'ci-op-w4n1s3p5',
      cluster: 'build03',
    });
  });

  it.each([
    [
      'a trailing "-"',
      'ci-op-w4n1s3p5-',
      /"ci-op-w4n1s3p5-" is not a namespace name/,
    ],
    [
      'a leading "-"',
      '-ci-op-w4n1s3p5',
      /"-ci-op-w4n1s3p5" is not a namespace name/,
    ],
    [
      '64 characters',
      'a'.repeat(64),
      /is 64 characters; a namespace is at most 63/,
    ],
  ])('%s is still not a namespace', (_name, ns, why) => {
    const r = jobImage(`\`Using namespace ${ns}\`\n`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(why);
  });
});
