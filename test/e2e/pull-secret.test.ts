/**
 * qci pull-secret end to end: the real bin/qci makes a pull secret from the user's app.ci token (proved
 * by the fake app.ci) or a ServiceAccount's bound token (TokenRequest), real podman pulls with it as
 * --authfile through the quay-proxy stand-in, --merge keeps an installer pull secret's other entries
 * byte for byte, and nothing prints a secret to a terminal, an argv or a message.
 */
import { describe, expect, it } from 'vitest';
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { watchCommandLines } from './argv-watch.js';
import {
  TESTBED_TOOLS,
  decodeJwtPayload,
  requireTools,
} from './testbed/index.js';
import { b64, useTestBed } from './testbed/fixture.js';
import { onPty } from '../helpers/pty.js';

const tools = requireTools([...TESTBED_TOOLS, 'script']);
const PROJECT = 'my-project';
const SA = `${PROJECT}/image-puller`;

/** What the auth entry of `host` in a pull secret decodes to: [user, token]. */
function entryOf(json: unknown, host: string): [string, string] {
  const auth = (json as { auths: Record<string, { auth: string }> }).auths[host]
    ?.auth;
  const text = Buffer.from(auth ?? '', 'base64').toString('utf8');
  const at = text.indexOf(':');
  return [text.slice(0, at), text.slice(at + 1)];
}

describe.skipIf(!tools.ok)('qci pull-secret (end to end)', () => {
  const tb = useTestBed({
    denyMode: 'auth-401',
    setup: (bed) => {
      bed.appci.addServiceAccount(PROJECT, 'image-puller');
    },
  });
  const { qci } = tb;
  const home = (name: string) => join(tb.pe.home, name);
  const pullWith = (authfile: string) =>
    tb.pe.podman(['pull', '--authfile', authfile, tb.bed.ref()]);

  it("-o FILE: the user's own token in a 0600 file that podman pulls with; a warning says when it dies", async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    const file = home('pull-secret.json');
    // The yardstick: this environment holds no credential, so podman alone is refused.
    expect((await pullWith(join(tb.pe.home, 'empty.json'))).exitCode).not.toBe(
      0,
    );
    const watch = watchCommandLines();
    const r = await qci(['pull-secret', '-o', file], { KUBECONFIG });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(json.auths)).toEqual([tb.bed.proxy.host]);
    expect(entryOf(json, tb.bed.proxy.host)).toEqual([
      tb.bed.user,
      tb.bed.token,
    ]);
    expect(r.stderr).toMatch(
      new RegExp(
        `pull secret for ${tb.bed.proxy.host.replace(/\./g, '\\.')}: ${tb.bed.user}'s app.ci token, expires in 2[78] days`,
      ),
    );
    expect(r.stderr).toContain(
      `warning: this pull secret holds ${tb.bed.user}'s own app.ci token, which expires in`,
    );
    expect(r.stderr).toContain('--service-account NAMESPACE/NAME');

    tb.bed.proxy.clearRequests();
    const pulled = await pullWith(file);
    const seen = await watch.stop();
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(
      tb.bed.proxy.requests.some(
        (q) => q.path === '/v2/auth' && q.user === tb.bed.user,
      ),
    ).toBe(true);
    for (const text of [r.stderr, ...seen])
      expect(text).not.toContain(tb.bed.token);
  });

  it('--service-account: a bound token whose exp follows --duration, stored as P/NAME; podman pulls with it', async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    const file = home('sa-pull-secret.json');
    const r = await qci(
      ['pull-secret', '--service-account', SA, '--duration', '48h', '-o', file],
      { KUBECONFIG },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const [user, token] = entryOf(
      JSON.parse(readFileSync(file, 'utf8')),
      tb.bed.proxy.host,
    );
    expect(user).toBe(SA);
    const claims = decodeJwtPayload(token);
    expect(claims.sub).toBe(`system:serviceaccount:${PROJECT}:image-puller`);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(48 * 3600);
    expect(r.stderr).toMatch(
      /serviceaccount token \(system:serviceaccount:my-project:image-puller\), expires in (2 days|47 hours)/,
    );
    expect(r.stderr).not.toContain('warning');
    expect(r.stderr).not.toContain(token);
    const pulled = await pullWith(file);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
  });

  it("--merge: the installer's one-line pull secret keeps every other entry and key byte for byte, no backup", async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    const file = home('pull-secret.txt');
    const others =
      `"cloud.openshift.com":{"auth":"${b64('rh:cloud-secret')}","email":"a@example.com"},` +
      `"quay.io":{"auth":"${b64('rh:quay-secret')}","email":"a@example.com"}`;
    const original = `{"auths":{${others}},"HttpHeaders":{"X-Team":"ci"}}\n`;
    writeFileSync(file, original, { mode: 0o644 });

    const dry = await qci(['pull-secret', '--merge', file, '--dry-run'], {
      KUBECONFIG,
    });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(dry.stderr).toMatch(
      new RegExp(`\\+ ${tb.bed.proxy.host}\\s+${tb.bed.user}:sha256~`),
    );
    expect(dry.stderr).toMatch(/= quay\.io\s+kept as it is/);
    expect(dry.stderr).not.toContain(tb.bed.token);

    const r = await qci(['pull-secret', '--merge', file], { KUBECONFIG });
    expect(r.exitCode, r.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    const qciEntry = `"${tb.bed.proxy.host}":{"auth":"${b64(`${tb.bed.user}:${tb.bed.token}`)}"}`;
    expect(text).toBe(
      `{"auths":{${others},${qciEntry}},"HttpHeaders":{"X-Team":"ci"}}\n`,
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(tb.pe.home).filter((n) => n.includes('backup'))).toEqual(
      [],
    );
    expect((await pullWith(file)).exitCode).toBe(0);
  });

  it('--merge over an older QCI entry: replaced, its token in no backup', async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    const file = home('pull-secret.txt');
    const old = tb.bed.appci.createToken(tb.bed.user);
    writeFileSync(
      file,
      JSON.stringify({
        auths: {
          'quay.io': { auth: b64('rh:quay-secret') },
          [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${old}`) },
          [`https://${tb.bed.proxy.host}/v1/`]: { auth: b64(`x:${old}`) },
        },
      }),
    );
    const r = await qci(['pull-secret', '--merge', file], { KUBECONFIG });
    expect(r.exitCode, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(json.auths)).toEqual(['quay.io', tb.bed.proxy.host]);
    expect(entryOf(json, tb.bed.proxy.host)[1]).toBe(tb.bed.token);
    const leftovers = readdirSync(tb.pe.home).filter((n) =>
      n.startsWith('pull-secret.txt'),
    );
    expect(leftovers).toEqual(['pull-secret.txt']);
    expect(r.stderr).toMatch(
      /~ 127\.0\.0\.1:\d+\s+\S+:sha256~\S+ → \S+:sha256~/,
    );
  });

  it('-o over a file holding another registry is refused (nothing changed); --merge of a missing file says to use -o', async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    const file = home('other.json');
    const original = JSON.stringify({
      auths: { 'quay.io': { auth: b64('rh:x') } },
    });
    writeFileSync(file, original);
    tb.bed.appci.clearRequests();
    const r = await qci(['pull-secret', '-o', file], { KUBECONFIG });
    expect(r.exitCode).toBe(1);
    expect(tb.bed.appci.requests).toEqual([]); // refused before app.ci was asked
    expect(r.stderr).toContain('already holds "quay.io"');
    expect(r.stderr).toContain(`qci pull-secret --merge ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(original);

    const missing = await qci(['pull-secret', '--merge', home('nope.txt')], {
      KUBECONFIG,
    });
    expect(missing.exitCode).toBe(5);
    expect(missing.stderr).toContain('no such file');
    expect(missing.stderr).toContain('-o');

    // A corrupt pull secret: refused before a ServiceAccount token is minted, its bytes kept.
    const corrupt = home('corrupt.txt');
    writeFileSync(corrupt, '{"auths":{"quay.io":');
    const bad = await qci(
      ['pull-secret', '--service-account', SA, '--merge', corrupt],
      { KUBECONFIG },
    );
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain(
      'it is not valid JSON (it ends early, where a value was expected); qci left it unchanged',
    );
    expect(readFileSync(corrupt, 'utf8')).toBe('{"auths":{"quay.io":');
    expect(tb.bed.appci.requests).toEqual([]);
  });

  it('stdout: one line of JSON when piped; on a terminal refused before app.ci is asked', async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    const piped = await qci(['pull-secret', '--with-app-ci-registry'], {
      KUBECONFIG,
    });
    expect(piped.exitCode, piped.stderr).toBe(0);
    expect(piped.stdout.split('\n')).toHaveLength(2);
    const json = JSON.parse(piped.stdout);
    expect(Object.keys(json.auths)).toEqual([
      tb.bed.proxy.host,
      'registry.ci.openshift.org',
    ]);
    expect(entryOf(json, 'registry.ci.openshift.org')[1]).toBe(tb.bed.token);
    // `-o -` is standard output too (as `-` is standard input elsewhere), not a file named "-".
    const dash = await qci(['pull-secret', '-o', '-'], { KUBECONFIG });
    expect(dash.exitCode, dash.stderr).toBe(0);
    expect(Object.keys(JSON.parse(dash.stdout).auths)).toEqual([
      tb.bed.proxy.host,
    ]);
    expect(existsSync('-')).toBe(false);

    tb.bed.appci.clearRequests();
    const tty = await onPty(['pull-secret'], {
      env: { ...tb.pe.env, KUBECONFIG, QCI_REGISTRY: tb.bed.proxy.host },
    });
    expect(tty.code).toBe(2);
    expect(tty.output).toContain(
      'qci does not print a pull secret to a terminal',
    );
    expect(tty.output).toContain('qci pull-secret -o pull-secret.json');
    expect(tty.output).not.toContain(tb.bed.token);
    expect(tb.bed.appci.requests).toEqual([]);
  });

  it('--json says where it went and when it expires, never the secret; without a destination it is refused', async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    const file = home('ps.json');
    const r = await qci(['pull-secret', '-o', file, '--json'], { KUBECONFIG });
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      registries: [tb.bed.proxy.host],
      source: 'user',
      subject: tb.bed.user,
      destination: 'file',
      written: { path: file, created: true },
    });
    expect(Date.parse(report.expiresAt)).toBeGreaterThan(Date.now());
    const auth = b64(`${tb.bed.user}:${tb.bed.token}`);
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(tb.bed.token);
      expect(text).not.toContain(auth);
    }

    const bare = await qci(['pull-secret', '--json'], { KUBECONFIG });
    expect(bare.exitCode).toBe(2);
    expect(JSON.parse(bare.stdout).error.message).toContain('never the secret');
    expect(existsSync(home('pull-secret.json'))).toBe(false);
  });

  it('whoami and doctor --authfile recognise a pull secret: whose token, until when; under 7 days a warning with the renewal', async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    const file = home('pull-secret.txt');
    writeFileSync(
      file,
      JSON.stringify({ auths: { 'quay.io': { auth: b64('rh:quay-secret') } } }),
    );
    expect(
      (await qci(['pull-secret', '--merge', file], { KUBECONFIG })).exitCode,
    ).toBe(0);
    const who = await qci(['whoami', '--authfile', file], { KUBECONFIG });
    expect(who.stdout).toMatch(
      new RegExp(
        `secret +✓ a pull secret for 2 registries \\(quay\\.io, ${tb.bed.proxy.host.replace(/\./g, '\\.')}\\); ${tb.bed.proxy.host.replace(/\./g, '\\.')} holds ${tb.bed.user}'s token, expires in 2[78] days`,
      ),
    );

    const sa = home('sa.txt');
    writeFileSync(sa, readFileSync(file));
    const made = await qci(
      [
        'pull-secret',
        '--service-account',
        SA,
        '--duration',
        '72h',
        '--merge',
        sa,
      ],
      { KUBECONFIG },
    );
    expect(made.exitCode, made.stderr).toBe(0);
    const soon = await qci(['whoami', '--authfile', sa, '--json'], {
      KUBECONFIG,
    });
    const report = JSON.parse(soon.stdout);
    expect(report.pullSecret).toMatchObject({
      registries: ['quay.io', tb.bed.proxy.host],
      owner: `system:serviceaccount:${PROJECT}:image-puller`,
      ownerFrom: 'token',
      tokenKind: 'service-account',
      expiresSoon: true,
      renew: `qci pull-secret --service-account ${SA} --merge ${sa}`,
    });
    const text = await qci(['whoami', '--authfile', sa], { KUBECONFIG });
    expect(text.stdout).toMatch(/secret +! a pull secret for 2 registries/);
    expect(text.stdout).toContain(
      `fix: qci pull-secret --service-account ${SA} --merge ${sa}`,
    );

    const doctor = await qci(['doctor', '--authfile', sa, '--json'], {
      KUBECONFIG,
    });
    const findings = JSON.parse(doctor.stdout).findings as {
      id: string;
      severity: string;
      detail: string;
      fix: string | null;
    }[];
    expect(findings.find((f) => f.id.startsWith('auth.pull-secret'))).toEqual({
      id: 'auth.pull-secret-expiring',
      check: 'auth files',
      severity: 'warn',
      detail: expect.stringMatching(
        /is a pull secret for 2 registries; .* holds system:serviceaccount:my-project:image-puller's token, expires in (2|3) days/,
      ),
      fix: `qci pull-secret --service-account ${SA} --merge ${sa}`,
      autoFix: false,
    });
    // The entry itself is judged as every auth entry is: a ServiceAccount's live token, not "another user's".
    expect(findings.find((f) => f.id === 'auth.valid')?.severity).toBe('ok');
    expect(findings.map((f) => f.id)).not.toContain('auth.other-user');
    for (const out of [who.stdout, soon.stdout, text.stdout, doctor.stdout])
      expect(out).not.toContain(tb.bed.token);
  });

  it("doctor --fix on a ServiceAccount's pull secret with a dead token: a new token for that ServiceAccount, never the user's own", async () => {
    await tb.freshPodman();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    const file = home('pull-secret.txt');
    writeFileSync(
      file,
      JSON.stringify({ auths: { 'quay.io': { auth: b64('rh:quay-secret') } } }),
    );
    const made = await qci(
      [
        'pull-secret',
        '--service-account',
        SA,
        '--duration',
        '2h',
        '--merge',
        file,
      ],
      { KUBECONFIG },
    );
    expect(made.exitCode, made.stderr).toBe(0);
    const old = entryOf(
      JSON.parse(readFileSync(file, 'utf8')),
      tb.bed.proxy.host,
    )[1];
    tb.bed.appci.expireToken(old);

    const r = await qci(['doctor', '--authfile', file, '--fix'], {
      KUBECONFIG,
      QCI_TLS_VERIFY: 'false',
    });
    expect(r.stderr, r.stderr).toContain(
      `put a new token for serviceaccount ${SA} into the pull secret ~/pull-secret.txt`,
    );
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.auths['quay.io']).toEqual({ auth: b64('rh:quay-secret') });
    const [user, token] = entryOf(json, tb.bed.proxy.host);
    expect(user).toBe(SA);
    expect(token).not.toBe(old);
    expect(token).not.toBe(tb.bed.token);
    const claims = decodeJwtPayload(token);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(2 * 3600); // the lifetime it had
    expect(tb.bed.appci.tokenReview(token).valid).toBe(true);
    expect((await pullWith(file)).exitCode).toBe(0);
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(old);
    }
  });

  it('a user without QCI access, or with a dead token: refused with the reason, no file written', async () => {
    await tb.freshPodman();
    const bob = tb.bed.appci.createToken('bob');
    tb.bed.appci.addUser('bob', []);
    tb.bed.appci.denyQciAccess('bob');
    const file = home('ps.json');
    const denied = await qci(['pull-secret', '-o', file], {
      KUBECONFIG: await tb.kubeconfigAtHome(bob),
    });
    expect(denied.exitCode).toBe(4);
    expect(denied.stderr).toContain('bob may not pull from QCI');
    const dead = tb.bed.appci.createToken(tb.bed.user);
    tb.bed.appci.expireToken(dead);
    const expired = await qci(['pull-secret', '-o', file], {
      KUBECONFIG: await tb.kubeconfigAtHome(dead),
    });
    expect(expired.exitCode).toBe(3);
    expect(expired.stderr).toContain('expired or was revoked');
    expect(existsSync(file)).toBe(false);
  });
});
