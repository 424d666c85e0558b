/**
 * The backups qci keeps of an auth file before it changes it (`<name>.qci-backup-<stamp>`, mode 0600,
 * the newest few kept, and only when it keeps something the new file does not), and the scrubbing of
 * old backups: a secret the user asked to remove is cut from every backup too.
 */
import { constants, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import {
  detectIndent,
  ioError,
  resolveTarget,
  writeFileAtomic,
} from './atomic-write.js';
import { AuthEntry, type RawEntry } from './entry.js';
import { goFieldKey, isRecord, parseJsonText } from './file.js';
import { keyBelongsToHost } from './keys.js';

export interface Scrub {
  hosts?: readonly string[];
  secrets?: readonly string[];
}

const BACKUP_INFIX = '.qci-backup-';

/** `20261128T120000Z` */
export function backupStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

const BACKUP_FLAGS =
  constants.O_WRONLY |
  constants.O_CREAT |
  constants.O_EXCL |
  constants.O_NOFOLLOW;

/**
 * A new file holding `data`, mode 0600 from its creation: O_EXCL|O_NOFOLLOW so a name planted
 * beforehand (a symlink in a shared directory) is never followed or reused; removed if the write fails.
 */
async function createPrivateFile(path: string, data: string): Promise<void> {
  const handle = await fsp.open(path, BACKUP_FLAGS, 0o600);
  try {
    await handle.chmod(0o600); // on the descriptor: open's mode passes through the umask
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fsp.unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
}

function backupPrefix(target: string): string {
  return `${basename(target)}${BACKUP_INFIX}`;
}

/** The backups of `target` qci could have made (regular files of this user), oldest first. */
async function listBackups(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = backupPrefix(target);
  const uid = process.getuid?.();
  const names: string[] = [];
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const info = await fsp.lstat(join(dir, name)).catch(() => undefined);
    if (info?.isFile() && (uid === undefined || info.uid === uid))
      names.push(name);
  }
  const order = (name: string) => {
    const rest = name.slice(prefix.length);
    const [stamp = '', suffix = '1'] = rest.split('-');
    return `${stamp}-${suffix.padStart(6, '0')}`;
  };
  names.sort((a, b) => order(a).localeCompare(order(b)));
  return names.map((n) => join(dir, n));
}

export async function writeBackup(
  target: string,
  original: string,
  now: Date,
  keep: number,
): Promise<string> {
  const base = `${target}${BACKUP_INFIX}${backupStamp(now)}`;
  let backupPath = base;
  for (let n = 2; ; n++) {
    try {
      await createPrivateFile(backupPath, original);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ELOOP: a symlink sits at the name (O_NOFOLLOW); take the next name, never that one.
      if ((code !== 'EEXIST' && code !== 'ELOOP') || n > 1000)
        throw ioError('back up', target, error);
      backupPath = `${base}-${n}`;
    }
  }
  // Backups hold old secrets too: keep only the newest few.
  const backups = (await listBackups(target)).filter((b) => b !== backupPath);
  for (const old of backups.slice(
    0,
    Math.max(0, backups.length + 1 - Math.max(1, keep)),
  ))
    await fsp.unlink(old).catch(() => undefined);
  return backupPath;
}

/** `text` without the whitespace between JSON tokens (strings kept as written). */
function withoutSpaces(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      out += ch;
      inString = true;
    } else if (!/\s/.test(ch)) out += ch;
  }
  return out;
}

/** Every key of `kept` is in `next` with a value that holds it (objects recursively, the rest equal). */
function heldIn(kept: unknown, next: unknown): boolean {
  if (!isRecord(kept) || !isRecord(next))
    return JSON.stringify(kept) === JSON.stringify(next);
  return Object.entries(kept).every(
    ([key, value]) => Object.hasOwn(next, key) && heldIn(value, next[key]),
  );
}

/**
 * Whether a backup holding `text` keeps anything the new file's JSON (`next`) does not: an entry or key
 * removed or changed, or what JSON.parse drops (a duplicate key, a number's digits, an escape). A backup
 * that keeps nothing is not written: it is one more copy of the file to find and clean up.
 */
export function backupKeepsSomething(text: string, next: unknown): boolean {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return true;
  if (JSON.stringify(parsed.value) !== withoutSpaces(text)) return true;
  return !heldIn(parsed.value, next);
}

/** Whether an entry is one the scrub removes (its host, or a secret it names). */
function scrubbed(key: string, raw: unknown, scrub: Scrub): boolean {
  if ((scrub.hosts ?? []).some((h) => keyBelongsToHost(key, h))) return true;
  const secrets = scrub.secrets ?? [];
  if (secrets.length === 0 || !isRecord(raw)) return false;
  const entry = new AuthEntry(key, raw as RawEntry);
  const found = [entry.password(), entry.identityToken()];
  return found.some((s) => s !== undefined && secrets.includes(s));
}

/** An auth file's JSON without the scrubbed entries (in `auths`, or top-level as in ~/.dockercfg). */
function scrubJson(json: Record<string, unknown>, scrub: Scrub): boolean {
  let changed = false;
  const cut = (entries: Record<string, unknown>, hostKeysOnly: boolean) => {
    for (const [key, value] of Object.entries(entries)) {
      if (hostKeysOnly && !isRecord(value)) continue;
      if (scrubbed(key, value, scrub)) {
        delete entries[key];
        changed = true;
      }
    }
  };
  const authsKey = goFieldKey(json, 'auths');
  const auths = authsKey === undefined ? undefined : json[authsKey];
  if (isRecord(auths)) cut(auths, false);
  cut(json, true); // legacy format: the entries are the top level
  return changed;
}

export function scrubText(text: string, scrub: Scrub): string {
  const parsed = parseJsonText(text);
  if (!parsed.ok || !isRecord(parsed.value)) return text;
  const json = parsed.value;
  if (!scrubJson(json, scrub)) return text;
  const newline = text.endsWith('\n') ? '\n' : '';
  return JSON.stringify(json, null, detectIndent(text)) + newline;
}

/** The JSON `path` holds now; undefined when it is missing or not JSON. */
async function currentJson(path: string): Promise<unknown> {
  try {
    const text = await readFileSafe(path, {
      maxBytes: MAX_BYTES.authFile,
      what: 'auth file',
    });
    const parsed = parseJsonText(text);
    return parsed.ok ? parsed.value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Cuts the scrubbed entries out of every backup of `target` (each rewritten atomically, mode 0600); a
 * backup left keeping nothing the file does not hold now is removed instead.
 * A backup that is a symlink, not regular, or not ours is left alone: it is not one qci wrote.
 * A backup that cannot be parsed (qci only ever backs up valid JSON) but names a secret is removed.
 */
export async function scrubBackups(
  path: string,
  scrub: Scrub,
): Promise<string[]> {
  const target = await resolveTarget(path);
  const changed: string[] = [];
  let current: unknown;
  for (const backup of await listBackups(target)) {
    let text: string;
    try {
      text = await readFileSafe(backup, {
        maxBytes: MAX_BYTES.authFile,
        what: 'backup',
        noFollow: true,
      });
    } catch {
      continue;
    }
    const next = scrubText(text, scrub);
    if (next === text) continue;
    current ??= await currentJson(target);
    if (current !== undefined && !backupKeepsSomething(next, current))
      await fsp.unlink(backup);
    else await writeFileAtomic(backup, next, 0o600);
    changed.push(backup);
  }
  return changed;
}
