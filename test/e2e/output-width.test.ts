/**
 * Text output fits the terminal: doctor, whoami and registries through bin/qci wrap between words at
 * COLUMNS (80 when unset and not a terminal, but for a table, whose rows stay whole there; the
 * terminal's width on one), continuation lines indented
 * under their column; only a word longer than the width may pass it. --json is not wrapped.
 */
import { describe, expect, it } from 'vitest';
import { TESTBED_TOOLS, requireTools, type TestBed } from './testbed/index.js';
import { b64, useTestBed, writeJson } from './testbed/fixture.js';
import { hasScript, onPty } from '../helpers/pty.js';

const tools = requireTools(TESTBED_TOOLS);
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
  const DAY = 86_400_000;
  /**
   * app.ci tokens: the kubeconfig's, a day and a quarter old, and a month-old one. A token made as the
   * bed starts reads "expires in 28 days", then "27 days" a moment later, and one exactly a day old
   * flips the same way; a test compares two runs word for word, so its expiry sits mid-day.
   */
  const tokens = { current: '', stale: '' };
  const qciEnv = (bed: TestBed) => ({
    QCI_REGISTRY: bed.proxy.host,
    QCI_TLS_VERIFY: 'false',
  });
  const tb = useTestBed({
    denyMode: 'auth-401',
    qciEnv,
    setup: (bed) => {
      const age = (days: number) => new Date(Date.now() - days * DAY);
      tokens.current = bed.appci.createToken(bed.user, {
        createdAt: age(1.25),
      });
      tokens.stale = bed.appci.createToken(bed.user, { createdAt: age(40) });
    },
  });

  /**
   * The docs' pitfall, on a fresh machine for each test: app.ci logged in, and a month-old QCI token
   * in ~/.docker/config.json among other entries. Its environment for qci.
   */
  async function pitfallMachine(): Promise<Record<string, string>> {
    const pe = await tb.freshPodman();
    writeJson(pe.authFiles.docker, {
      auths: {
        [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${tokens.stale}`) },
        'quay.io': { auth: b64('me:quay-secret') },
      },
    });
    return { KUBECONFIG: await tb.kubeconfigAtHome(tokens.current) };
  }
  const qci = (
    args: string[],
    machine: Record<string, string>,
    columns: string | undefined,
  ) => tb.qci(args, { ...machine, COLUMNS: columns });

  // doctor: a line starts with a mark, a fix line with "fix:" under the detail; continuations under
  // the detail (18) or under a fix's text (23). whoami: under the text after the mark (11) or the
  // label (9). registries at 80: the notes' lines under the registry column (14).
  // A table (registries) piped without COLUMNS keeps each row on one line, as kubectl's tables do.
  const commands: [
    string,
    string[],
    RegExp,
    (width: number) => number[],
    'wrapped' | 'whole',
  ][] = [
    ['doctor', ['doctor'], /^([✓✗!i] |\s{18}fix: )/, () => [18, 23], 'wrapped'],
    ['whoami', ['whoami'], /^\S/, () => [9, 11], 'wrapped'],
    [
      'registries',
      ['registries'],
      /^\S/,
      (w) => (w < 100 ? [14] : [73]),
      'whole',
    ],
  ];

  describe.each(commands)('%s', (_, args, first, expected, piped) => {
    /** The same output on one line a finding: what every width must keep, word for word. */
    const unwrapped = async (machine: Record<string, string>) => {
      const wide = (await qci(args, machine, '1000')).stdout;
      expect(wide.split('\n').some((l) => l.length > 120)).toBe(true);
      return wide;
    };

    it.each([
      ['80', 80],
      ['120', 120],
      [undefined, 80],
    ])(
      'COLUMNS=%s: no line over %i columns but a single word, continuations under their column',
      async (columns, width) => {
        const machine = await pitfallMachine();
        const wide = await unwrapped(machine);
        const r = await qci(args, machine, columns);
        if (columns === undefined && piped === 'whole') {
          expect(r.stdout).toBe(wide);
          return;
        }
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
      const machine = await pitfallMachine();
      const narrow = await qci([...args, '--json'], machine, '40');
      const whole = await qci([...args, '--json'], machine, '1000');
      expect(narrow.stdout.split('\n').length).toBe(
        whole.stdout.split('\n').length,
      );
    });
  });

  it.skipIf(!hasScript())(
    'on a terminal 100 columns wide, without COLUMNS, each command fits it',
    async () => {
      const machine = await pitfallMachine();
      for (const args of [['doctor'], ['whoami'], ['registries']]) {
        const { output } = await onPty(args, {
          env: {
            ...tb.pe.env,
            ...qciEnv(tb.bed),
            ...machine,
            COLUMNS: undefined,
          },
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
