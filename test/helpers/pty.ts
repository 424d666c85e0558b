/**
 * Runs bin/qci on a pseudo-terminal (util-linux `script`), for what only shows on a terminal: colour,
 * wrapping to the terminal's width, questions. stdout and stderr arrive mixed, as a person sees them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const QCI_BIN = fileURLToPath(new URL('../../bin/qci', import.meta.url));

export const hasScript = (): boolean =>
  spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** podman's progress bar, drawn only on a terminal (podman 4.3.1: `Copying blob 2d0ac0c34e88 [====…] 173.0b / 173.0b`). */
export const PODMAN_BAR = /Copying blob [0-9a-f]+ \[=+\]/;
/** The redraw after a bar (cursor up, clear to the end of the screen), also a terminal's only. */
export const REDRAW = '\u001b[1A\u001b[J';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `script` arguments running argv on a pseudo-terminal of that size (stdout and stderr then mixed). */
export function scriptArgs(argv: string[], columns = 80, rows = 50): string[] {
  const command = argv.map(quote).join(' ');
  return [
    '-q',
    '-e',
    '-c',
    `stty cols ${columns} rows ${rows}; exec ${command}`,
    '/dev/null',
  ];
}

export function onPty(
  args: string[],
  options: {
    env: Record<string, string | undefined>;
    /** Typed after start-up, one line at a time. */
    input?: string;
    columns?: number;
    timeoutMs?: number;
  },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'script',
      scriptArgs([process.execPath, QCI_BIN, ...args], options.columns),
      {
        env: { TERM: 'xterm-256color', ...options.env } as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    const timer = setTimeout(
      () => child.kill('SIGKILL'),
      options.timeoutMs ?? 30_000,
    );
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output: output.replace(/\r\n/g, '\n') });
    });
    if (options.input !== undefined) {
      // After the program has set up its terminal: a line typed too early is echoed before the question.
      setTimeout(() => child.stdin.end(options.input), 1_500);
    } else child.stdin.end();
  });
}
