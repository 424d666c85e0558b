/**
 * qci rewrite on documentation: an old reference in an inline code span of a Markdown or AsciiDoc
 * sentence describes the old world and goes to review with the reason; fenced and indented code blocks
 * and code files are rewritten; `<tag>` placeholders are templates. The real bin/qci on a temporary tree.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const QCI = fileURLToPath(new URL('../../bin/qci', import.meta.url));
const OLD = 'registry.ci.openshift.org';
const NEW = 'quay-proxy.ci.openshift.org/openshift/ci';

const README = `# Images

The Dockerfile's \`FROM ${OLD}/ocp/builder:golang-1.13\` is automatically detected.

* \`${OLD}/ocp/4.6:base\` is replaced by the image named \`base\`.

Payloads are \`${OLD}/ocp/release:<tag>\`.

\`\`\`Dockerfile
FROM ${OLD}/ocp/4.6:base
\`\`\`

    podman pull ${OLD}/ci/ci-operator:latest
`;
const README_AFTER = README.replace(
  `FROM ${OLD}/ocp/4.6:base\n\`\`\``,
  `FROM ${NEW}:ocp_4.6_base\n\`\`\``,
).replace(
  `podman pull ${OLD}/ci/ci-operator:latest`,
  `podman pull ${NEW}:ci_ci-operator_latest`,
);
const GUIDE = `= Guide

The image \`${OLD}/ocp/4.18:cli\` was used.

----
oc image info ${OLD}/ocp/4.18:cli
----
`;
const SCRIPT = `#!/bin/sh\npodman pull ${OLD}/ocp/4.18:cli\n`;

function tree(): string {
  const root = tempDir('qci-inline-');
  writeFileSync(join(root, 'README.md'), README);
  writeFileSync(join(root, 'guide.adoc'), GUIDE);
  writeFileSync(join(root, 'pull.sh'), SCRIPT);
  return root;
}
const run = (args: string[]) =>
  spawnSync(process.execPath, [QCI, 'rewrite', ...args], {
    env: isolatedEnv() as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });

describe('qci rewrite: inline code in prose', () => {
  it('lists prose inline code and <tag> placeholders for review, with the reason', () => {
    const root = tree();
    const r = run(['--json', root]);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      changes: { file: string; line: number; old: string; new: string }[];
      needsReview: { file: string; line: number; reason: string }[];
    };
    const at = (f: { file: string; line: number }) =>
      `${f.file.slice(root.length + 1)}:${f.line}`;
    expect(result.changes.map((c) => `${at(c)} ${c.new}`)).toEqual([
      `README.md:10 ${NEW}:ocp_4.6_base`,
      `README.md:13 ${NEW}:ci_ci-operator_latest`,
      `guide.adoc:6 ${NEW}:ocp_4.18_cli`,
      `pull.sh:2 ${NEW}:ocp_4.18_cli`,
    ]);
    expect(result.needsReview.map((v) => `${at(v)} ${v.reason}`)).toEqual([
      expect.stringMatching(/^README\.md:3 inline code in prose: /),
      expect.stringMatching(/^README\.md:5 inline code in prose: /),
      expect.stringMatching(/^README\.md:7 templated; /),
      expect.stringMatching(/^guide\.adoc:3 inline code in prose: /),
    ]);
  });

  it('--write changes the code blocks and the code file, and leaves the sentences as they were', () => {
    const root = tree();
    const r = run(['--write', root]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe(README_AFTER);
    expect(readFileSync(join(root, 'guide.adoc'), 'utf8')).toBe(
      GUIDE.replace(`info ${OLD}/ocp/4.18:cli`, `info ${NEW}:ocp_4.18_cli`),
    );
    expect(readFileSync(join(root, 'pull.sh'), 'utf8')).toBe(
      SCRIPT.replace(`${OLD}/ocp/4.18:cli`, `${NEW}:ocp_4.18_cli`),
    );
  });
});
