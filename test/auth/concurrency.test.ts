/**
 * Ten real node processes write the same auth file at the same moment; the lock must keep every write.
 * The children run src/auth bundled by esbuild (plain node cannot load TypeScript on Node 20).
 */
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuthFile } from '../../src/auth/index.js';
import { makeSandbox, type Sandbox } from './sandbox.js';

const CHILDREN = 10;
const WRITES_EACH = 3;

let sb: Sandbox;
let child: string;

beforeAll(async () => {
  sb = makeSandbox();
  const bundle = sb.path('auth-bundle.mjs');
  await build({
    entryPoints: [
      fileURLToPath(new URL('../../src/auth/index.ts', import.meta.url)),
    ],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    logLevel: 'silent',
  });
  child = sb.path('child.mjs');
  writeFileSync(
    child,
    `import { setCredential } from ${JSON.stringify(bundle)};
const [file, name, startAt] = process.argv.slice(2);
while (Date.now() < Number(startAt)) {} // everyone starts together
for (let i = 0; i < ${WRITES_EACH}; i++) {
  const host = i === 0 ? name + '.example.com' : name + '-' + i + '.example.com';
  await setCredential(file, host, 'user-' + name, 'secret-' + host, { lock: { timeoutMs: 30000 } });
}
`,
  );
});
afterAll(() => sb.cleanup());

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    // An explicit environment: no auth variable comes from the user running the tests.
    const proc = spawn(process.execPath, [child, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...sb.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('concurrent qci processes', () => {
  it(`${CHILDREN} processes × ${WRITES_EACH} writes to one file lose nothing`, async () => {
    const file = join(sb.home, '.docker', 'config.json');
    const preserved = {
      credsStore: 'desktop',
      HttpHeaders: { 'User-Agent': 'x' },
      auths: { 'quay.io': {} },
    };
    mkdirSync(join(sb.home, '.docker'), { recursive: true });
    writeFileSync(file, JSON.stringify(preserved, null, '\t'));
    const startAt = Date.now() + 1500;
    const names = Array.from({ length: CHILDREN }, (_, i) => `host${i}`);
    const results = await Promise.all(
      names.map((name) => run([file, name, String(startAt)])),
    );
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });

    const text = readFileSync(file, 'utf8');
    const parsed = JSON.parse(text) as {
      auths: Record<string, unknown>;
      credsStore: string;
      HttpHeaders: unknown;
    };
    const expected = [
      'quay.io',
      ...names.flatMap((n) => [
        `${n}.example.com`,
        ...Array.from(
          { length: WRITES_EACH - 1 },
          (_, i) => `${n}-${i + 1}.example.com`,
        ),
      ]),
    ];
    expect(Object.keys(parsed.auths).sort()).toEqual(expected.sort());
    expect(parsed.credsStore).toBe('desktop');
    expect(parsed.HttpHeaders).toEqual({ 'User-Agent': 'x' });
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const state = await readAuthFile(file);
    expect(state.state).toBe('ok');
    if (state.state === 'ok') {
      for (const entry of state.entries.filter((e) => e.key !== 'quay.io'))
        expect(entry.secret()).toBe(`secret-${entry.key}`);
    }
    // No lock or temp file is left, and no backup: each write only added an entry.
    const left = readdirSync(join(sb.home, '.docker')).filter(
      (n) => n !== 'config.json',
    );
    expect(left).toEqual([]);
  });
});
