/**
 * Issue 11 item 8: `qci doctor` must not call a machine healthy when it could not check. A registry
 * that answers 500 to everything, or 401 without a WWW-Authenticate challenge, or whose token service
 * fails, is a finding (exit 1), never a silent pass.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TESTBED_TOOLS,
  createPodmanEnv,
  requireTools,
  startTestBed,
  type PodmanEnv,
  type TestBed,
} from './testbed/index.js';

const tools = requireTools(TESTBED_TOOLS);
const QCI = fileURLToPath(new URL('../../bin/qci', import.meta.url));
const b64 = (s: string) => Buffer.from(s).toString('base64');

type Mode = '500' | '401-bare' | 'realm-503';

describe.skipIf(!tools.ok)(
  'qci doctor when it cannot check (end to end)',
  () => {
    let bed: TestBed;
    let pe: PodmanEnv;
    let registry: Server;
    let host: string;
    let mode: Mode = '500';

    beforeAll(async () => {
      bed = await startTestBed({ denyMode: 'auth-401' });
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
    });
    afterAll(async () => {
      registry?.close();
      await bed?.stop();
    });
    afterEach(async () => pe?.stop());

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
        pe = await createPodmanEnv({ insecureRegistries: [host] });
        mkdirSync(dirname(pe.authFiles.xdgRuntime), { recursive: true });
        writeFileSync(
          pe.authFiles.xdgRuntime,
          JSON.stringify({
            auths: { [host]: { auth: b64(`${bed.user}:${bed.token}`) } },
          }),
          { mode: 0o600 },
        );
        const kubeconfig = await bed.appci.kubeconfig({ token: bed.token });
        const r = await pe.run(process.execPath, [QCI, 'doctor'], {
          env: {
            QCI_REGISTRY: host,
            QCI_TLS_VERIFY: 'false',
            KUBECONFIG: kubeconfig,
          },
        });
        expect(r.exitCode, r.stdout + r.stderr).toBe(1);
        expect(r.stdout).toMatch(says);
        expect(r.stdout + r.stderr).not.toMatch(/^healthy/m);
        expect(r.stdout + r.stderr).not.toContain(bed.token);
        const json = await pe.run(process.execPath, [QCI, 'doctor', '--json'], {
          env: {
            QCI_REGISTRY: host,
            QCI_TLS_VERIFY: 'false',
            KUBECONFIG: kubeconfig,
          },
        });
        const report = JSON.parse(json.stdout);
        expect(report.healthy).toBe(false);
        expect(report.findings.map((f: { id: string }) => f.id)).toContain(
          'registry.unchecked',
        );
      },
    );
  },
);
