/** Finds and reads the optional config file ($XDG_CONFIG_HOME/qci/config.yaml). */
import { MAX_BYTES, readFileSafeSync } from '../io/read.js';
import { join } from 'node:path';
import { QciError, usageError } from '../core/errors.js';

export function configFilePath(
  env: Record<string, string | undefined>,
  home: string,
): string {
  if (env.QCI_CONFIG) return env.QCI_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(home, '.config');
  return join(base, 'qci', 'config.yaml');
}

/** The parsed file, or undefined when there is none. YAML is only loaded when a file exists. */
export async function readConfigFile(
  env: Record<string, string | undefined>,
): Promise<{ path: string; data: unknown } | undefined> {
  // HOME is set in every normal environment; node:os loads only when it is not (start-up cost).
  const home = env.HOME || (await import('node:os')).homedir();
  const path = configFilePath(env, home);
  let text: string;
  try {
    text = readFileSafeSync(path, {
      maxBytes: MAX_BYTES.config,
      what: 'config file',
    });
  } catch (error) {
    if (error instanceof QciError)
      throw usageError(error.message, {
        kind: 'bad-setting',
        hint: error.hint,
      });
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ENOTDIR') && !env.QCI_CONFIG)
      return undefined;
    // A file QCI_CONFIG names is meant to be there: a typo in it is not "no settings".
    if (code === 'ENOENT')
      throw usageError(`config file ${path} (QCI_CONFIG): no such file`, {
        kind: 'bad-setting',
        hint: 'fix QCI_CONFIG, or unset it for the default file',
      });
    throw usageError(
      `config file ${path}: cannot read it (${code ?? String(error)})`,
      { kind: 'bad-setting' },
    );
  }
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { prettyErrors: false });
  const problem = doc.errors[0];
  if (problem) {
    const before = text.slice(0, problem.pos[0]).split('\n');
    const where = ` (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
    const reason = problem.message.split('\n')[0] ?? problem.code;
    throw usageError(`config file ${path}: not valid YAML${where}: ${reason}`, {
      kind: 'bad-setting',
    });
  }
  try {
    return { path, data: doc.toJS() ?? {} };
  } catch (error) {
    // yaml refuses an alias bomb (more alias expansions than the document can justify).
    throw usageError(
      `config file ${path}: not a YAML document qci can read (${(error as Error).message.split('\n')[0]})`,
      { kind: 'bad-setting' },
    );
  }
}
