/**
 * Text output fits the terminal: doctor, whoami and registries through bin/qci wrap between words at
 * COLUMNS (80 when unset and not a terminal, the terminal's width on one), continuation lines indented
 * under their column; only a word longer than the width may pass it. --json is not wrapped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
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
import { hasScript, onPty } from '../helpers/pty.js';

const tools = requireTools(TESTBED_TOOLS);
const QCI = fileURLToPath(new URL('../../bin/qci', import.meta.url));
const b64 = (s: string) => Buffer.from(s).toString('base64');
const plain = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
const words = (s: string) => plain(s).split(/\s+/).filter(Boolean).join(' ');

/** The lines that pass `width`: each must be a single word after its indentation. */
function overWidth(text: string, width: number): string[] {
  return plain(text)
    .split('\n')
    .filter((l) => [...l].length > width && /\S\s+\S/.test(l.trim()));
}

/** The indentation of each continuation line (one that is not `first`). */
const hangs = (text: string, first: RegExp) =>
  new Set(
    plain(text)
      .split('\n')
      .filter((l) => l !== '' && !first.test(l))
      .map((l) => /^ */.exec(l)?.[0].length),
  );

describe.skipIf(!tools.ok)('output fits the width (end to end)', () => {
  let bed: TestBed;
  let pe: PodmanEnv;
  let kubeconfig: string;

  beforeAll(async () => {
    bed = await startTestBed({ denyMode: 'auth-401' });
    kubeconfig = await bed.appci.kubeconfig({ token: bed.token });
    pe = await createPodmanEnv({ insecureRegistries: [bed.proxy.host] });
    // The seed's machine: a month-old QCI token in ~/.docker/config.json, among other entries.
    const stale = bed.appci.createToken(bed.user, {
      createdAt: new Date(Date.now() - 40 * 86_400_000),
    });
    mkdirSync(dirname(pe.authFiles.docker), { recursive: true });
    writeFileSync(
      pe.authFiles.docker,
      JSON.stringify({
        auths: {
          [bed.proxy.host]: { auth: b64(`${bed.user}:${stale}`) },
          'quay.io': { auth: b64('me:quay-secret') },
        },
      }),
    );
  });
  afterAll(async () => {
    await pe?.stop();
    await bed?.stop();
  });

  const env = (columns: string | undefined) => ({
    QCI_REGISTRY: bed.proxy.host,
    QCI_TLS_VERIFY: 'false',
    KUBECONFIG: kubeconfig,
    COLUMNS: columns,
  });
  const qci = (args: string[], columns: string | undefined) =>
    pe.run(process.execPath, [QCI, ...args], { env: env(columns) });

  // doctor: a line starts with a mark, a fix line with "fix:" under the detail; continuations under
  // the detail (18) or under a fix's text (23). whoami: under the text after the mark (11) or the
  // label (9). registries at 80: the notes' lines under the registry column (14).
  const commands: [string, string[], RegExp, (width: number) => number[]][] = [
    ['doctor', ['doctor'], /^([✓✗!i] |\s{18}fix: )/, () => [18, 23]],
    ['whoami', ['whoami'], /^\S/, () => [9, 11]],
    ['registries', ['registries'], /^\S/, (w) => (w < 100 ? [14] : [73])],
  ];

  describe.each(commands)('%s', (_, args, first, expected) => {
    let wide: string;
    beforeAll(async () => {
      wide = (await qci(args, '1000')).stdout;
      expect(wide.split('\n').some((l) => l.length > 120)).toBe(true);
    });

    it.each([
      ['80', 80],
      ['120', 120],
      [undefined, 80],
    ])(
      'COLUMNS=%s: no line over %i columns but a single word, continuations under their column',
      async (columns, width) => {
        const r = await qci(args, columns);
        expect(overWidth(r.stdout, width)).toEqual([]);
        expect(words(r.stdout)).toBe(words(wide));
        expect(r.stdout.split('\n').length).toBeGreaterThan(
          wide.split('\n').length,
        );
        for (const hang of hangs(r.stdout, first))
          expect(expected(width)).toContain(hang);
      },
    );

    it('--json is not wrapped', async () => {
      const narrow = await qci([...args, '--json'], '40');
      const whole = await qci([...args, '--json'], '1000');
      expect(narrow.stdout.split('\n').length).toBe(
        whole.stdout.split('\n').length,
      );
    });
  });

  it.skipIf(!hasScript())(
    'on a terminal 100 columns wide, without COLUMNS, each command fits it',
    async () => {
      for (const args of [['doctor'], ['whoami'], ['registries']]) {
        const { output } = await onPty(args, {
          env: { ...pe.env, ...env(undefined), COLUMNS: undefined },
          columns: 100,
        });
        // What stays on the screen: a line redrawn with \r shows its last drawing.
        const screen = output
          .split('\n')
          .map((l) => l.slice(l.lastIndexOf('\r') + 1))
          .join('\n');
        expect(overWidth(screen, 100), args[0]).toEqual([]);
        expect(
          plain(screen)
            .split('\n')
            .some((l) => l.length > 80),
        ).toBe(true);
      }
    },
  );
});
