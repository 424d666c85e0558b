/**
 * `qci doctor` must not call a machine healthy when it could not check. A registry
 * that answers 500 to everything, or 401 without a WWW-Authenticate challenge, or whose token service
 * fails, is a finding (exit 1), never a silent pass.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { b64, useTestBed, writeJson } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);

type Mode = '500' | '401-bare' | 'realm-503';

describe.skipIf(!tools.ok)(
  'qci doctor when it cannot check (end to end)',
  () => {
    let registry: Server;
    let host: string;
    let mode: Mode = '500';

    const tb = useTestBed({
      denyMode: 'auth-401',
      // The test registry speaks plain HTTP: QCI_TLS_VERIFY=false, as a user of a local registry would set.
      qciEnv: () => ({ QCI_REGISTRY: host, QCI_TLS_VERIFY: 'false' }),
      setup: async () => {
        registry = createServer((req, res) => {
          req.resume();
          if (mode === '500') return void res.writeHead(500).end('oops');
          if (mode === '401-bare')
            return void res.writeHead(401).end('Unauthorized');
          // A proper challenge, but the token service is down.
          if ((req.url ?? '').startsWith('/v2/auth'))
            return void res.writeHead(503).end('down');
          res
            .writeHead(401, {
              'www-authenticate': `Bearer realm="http://${host}/v2/auth",service="${host}"`,
            })
            .end('Unauthorized');
        });
        await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
        host = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
      },
    });
    afterAll(() => registry?.close());

    it.each([
      ['500', /answers HTTP 500 .*qci cannot check it or your credential/],
      ['401-bare', /answers HTTP 401 without a WWW-Authenticate challenge/],
      [
        'realm-503',
        /could not check the credential podman sends .*answered HTTP 503/,
      ],
    ] as const)(
      'a registry in mode %s: not healthy, and says what it could not check',
      async (m, says) => {
        mode = m;
        const pe = await tb.freshPodman({ insecureRegistries: [host] });
        writeJson(pe.authFiles.xdgRuntime, {
          auths: { [host]: { auth: b64(`${tb.bed.user}:${tb.bed.token}`) } },
        });
        const KUBECONFIG = await tb.kubeconfigAtHome();
        const r = await tb.qci(['doctor'], { KUBECONFIG });
        expect(r.exitCode, r.stdout + r.stderr).toBe(1);
        expect(r.stdout).toMatch(says);
        expect(r.stdout + r.stderr).not.toMatch(/^healthy/m);
        expect(r.stdout + r.stderr).not.toContain(tb.bed.token);
        const json = await tb.qci(['doctor', '--json'], { KUBECONFIG });
        const report = JSON.parse(json.stdout);
        expect(report.healthy).toBe(false);
        expect(report.findings.map((f: { id: string }) => f.id)).toContain(
          'registry.unchecked',
        );
      },
    );
  },
);
