/**
 * A held 'show' command (qci pull's pull started before app.ci's proof is in): nothing reaches the user
 * until the hold settles; then what was kept, in order, and the rest as it comes; or nothing at all.
 */
import { describe, expect, it } from 'vitest';
import { processRunner, type RunRequest } from '../../src/engine/run.js';

/** Prints on both streams, waits, prints again: the wait lets a test settle the hold in between. */
const talker = (gapMs: number): Omit<RunRequest, 'hold'> => ({
  command: 'sh',
  args: [
    '-c',
    `printf 'out1 '; printf 'err1 ' >&2; sleep ${gapMs / 1000}; printf 'out2 '; printf 'err2 ' >&2`,
  ],
  env: { PATH: process.env.PATH },
  stdio: 'show',
  timeoutMs: 10_000,
});

function recorder() {
  const seen: string[] = [];
  const show = (chunk: Uint8Array, fd: 1 | 2) =>
    seen.push(`${fd}:${Buffer.from(chunk).toString().trim()}`);
  return { seen, run: processRunner(() => {}, show) };
}

describe('a held command', () => {
  it('shows nothing before the hold settles, then what it kept, in order, then the rest as it comes', async () => {
    const { seen, run } = recorder();
    let release!: (pass: boolean) => void;
    const hold = new Promise<boolean>((resolve) => {
      release = resolve;
    });
    const running = run({ ...talker(1500), hold });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(seen).toEqual([]); // printed already, but held
    release(true);
    await Promise.resolve();
    expect(seen).toEqual(['1:out1', '2:err1']);
    const result = await running;
    expect(seen).toEqual(['1:out1', '2:err1', '1:out2', '2:err2']);
    // Still captured for qci's own use (classifying a failure).
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('err1 err2 ');
  });

  it('passes everything on at once when the command ended before the hold settled', async () => {
    const { seen, run } = recorder();
    const result = await run({
      ...talker(0),
      hold: new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(true), 100),
      ),
    });
    expect(result.exitCode).toBe(0);
    expect(seen).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const on = (fd: string) =>
      seen
        .filter((s) => s.startsWith(fd))
        .map((s) => s.slice(2))
        .join(' ');
    expect([on('1:'), on('2:')]).toEqual(['out1 out2', 'err1 err2']);
  });

  it('drops all of it when the hold settles false, before or during the command', async () => {
    for (const settleAfterMs of [0, 200]) {
      const { seen, run } = recorder();
      const hold = new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(false), settleAfterMs),
      );
      const result = await run({ ...talker(400), hold });
      expect(result.exitCode).toBe(0);
      expect(seen).toEqual([]);
    }
  });

  it('sends the command’s stdout to stderr when asked (qci pull --json)', async () => {
    const { seen, run } = recorder();
    await run({
      ...talker(0),
      stdoutToStderr: true,
      hold: Promise.resolve(true),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.every((s) => s.startsWith('2:'))).toBe(true);
    expect(seen.join(' ')).toContain('out2');
  });

  it('is refused where nothing can be held (a terminal) or nobody writes', async () => {
    const { run } = recorder();
    await expect(
      run({ ...talker(0), stdio: 'terminal', hold: Promise.resolve(true) }),
    ).rejects.toThrow(/held command/);
    await expect(
      processRunner(() => {})({ ...talker(0), hold: Promise.resolve(true) }),
    ).rejects.toThrow(/held command/);
  });
});
