/** Questions on the terminal: a hidden line for a pasted token, a yes/no. Prompts go to stderr. */
import { QciError } from '../core/errors.js';
import type { Io } from './ui.js';

type TtyIn = NodeJS.ReadableStream & {
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
};

export const isInteractive = (io: Io): boolean =>
  (io.stdin as TtyIn).isTTY === true && io.stderr.isTTY === true;

/** One line from stdin; on a terminal without echo (the token never shows on screen or in scrollback). */
export function readSecretLine(io: Io, prompt: string): Promise<string> {
  const input = io.stdin as TtyIn;
  const raw = input.isTTY === true && typeof input.setRawMode === 'function';
  io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let line = '';
    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      if (raw) input.setRawMode?.(false);
      input.pause();
      if (raw) io.stderr.write('\n');
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003')
          return finish(
            new QciError('interrupted', {
              kind: 'interrupted',
            }),
          );
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else line += ch;
      }
    };
    const onEnd = () => finish();
    const onError = (error: Error) => finish(error);
    if (raw) input.setRawMode?.(true);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/** Yes unless the answer starts with n. */
export async function confirm(io: Io, question: string): Promise<boolean> {
  io.stderr.write(`${question} [Y/n] `);
  const input = io.stdin as TtyIn;
  const answer = await new Promise<string>((resolve) => {
    const onData = (chunk: Buffer | string) => {
      input.removeListener('data', onData);
      input.pause();
      resolve(String(chunk));
    };
    input.on('data', onData);
    input.resume();
  });
  return !/^\s*n/i.test(answer);
}
