/**
 * With a context that is not app.ci (--context build01, QCI_CONTEXT, the config
 * file), whoami, doctor and doctor --fix must never send a token read from an auth file to that
 * cluster's API server; they say the stored tokens cannot be checked, and why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { b64, useTestBed } from './testbed/fixture.js';
import { makeTestCa } from './testbed/tls.js';

const tools = requireTools(TESTBED_TOOLS);

describe.skipIf(!tools.ok)('a non-app.ci context (end to end)', () => {
  const tb = useTestBed({ denyMode: 'auth-401' });
  let build01: Server;
  let build01Url: string;
  let build01Ca: string;
  const seen: string[] = [];

  beforeAll(async () => {
    // build01's API server: records every Authorization header, answers 401 as a kube API does.
    // Its CA lives in the bed's directory, removed with the bed.
    const ca = await makeTestCa(mkdtempSync(join(tb.bed.dir, 'build01-')));
    build01Ca = ca.caPem;
    build01 = createServer({ cert: ca.certPem, key: ca.keyPem }, (req, res) => {
      seen.push(String(req.headers.authorization ?? ''));
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Unauthorized',
          code: 401,
        }),
      );
    });
    await new Promise<void>((r) => build01.listen(0, '127.0.0.1', r));
    build01Url = `https://127.0.0.1:${(build01.address() as AddressInfo).port}`;
  });
  afterAll(() => build01?.close());

  async function setup() {
    const pe = await tb.freshPodman();
    const appci = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    // build01's own kubeconfig entry, with its CA (a second file in KUBECONFIG, as users have).
    const other = join(pe.dir, 'build01.kubeconfig');
    writeFileSync(
      other,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'build01',
            cluster: {
              server: build01Url,
              'certificate-authority-data': b64(build01Ca),
            },
          },
        ],
        contexts: [
          { name: 'build01', context: { cluster: 'build01', user: 'b' } },
        ],
        users: [{ name: 'b', user: { token: 'build01-own-token' } }],
      }),
    );
    // What the user stored: a live app.ci token in podman's file.
    const stored = tb.bed.appci.createToken(tb.bed.user);
    tb.storeCredential(pe.authFiles.xdgRuntime, stored);
    return { kubeconfig: `${appci}:${other}`, stored };
  }

  const { qci } = tb;

  it.each([
    ['whoami --context build01', ['whoami', '--context', 'build01'], {}],
    ['doctor --context build01', ['doctor', '--context', 'build01'], {}],
    [
      'doctor --fix with QCI_CONTEXT',
      ['doctor', '--fix'],
      { QCI_CONTEXT: 'build01' },
    ],
    ['whoami with context: in the config file', ['whoami'], { config: true }],
  ] as const)(
    '%s: no stored token reaches build01',
    async (_l, args, extra) => {
      const { kubeconfig, stored } = await setup();
      const env: Record<string, string> = { KUBECONFIG: kubeconfig };
      if ('QCI_CONTEXT' in extra) env.QCI_CONTEXT = extra.QCI_CONTEXT;
      if ('config' in extra) {
        const file = join(tb.pe.xdgConfigHome, 'qci', 'config.yaml');
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, 'context: build01\n');
      }
      seen.length = 0;
      const r = await qci([...args], env);
      // build01 was asked (with its own token), so the recorder works; never with the stored one.
      expect(seen.length).toBeGreaterThan(0);
      for (const header of seen) expect(header).not.toContain(stored);
      expect(r.stdout + r.stderr).not.toContain(stored);
      if (args[0] === 'doctor')
        expect(r.stdout + r.stderr).toContain('kube context "build01"');
      if (args[0] === 'doctor')
        expect(r.stdout + r.stderr).toMatch(
          /not app\.ci; qci sends a token from an auth file only to app\.ci's API server/,
        );
    },
  );

  it('with the app.ci context the stored token is still checked (against app.ci only)', async () => {
    const { kubeconfig } = await setup();
    seen.length = 0;
    const r = await qci(['doctor'], { KUBECONFIG: kubeconfig });
    expect(seen).toEqual([]);
    expect(r.stdout).toMatch(/holds a valid app\.ci token/);
  });
});
