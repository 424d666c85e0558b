/**
 * Reading auth files. A read never throws for a bad file: a missing file is `absent`, a file that is not
 * JSON or has the wrong shape is `corrupt` with a reason that names the path and the field, so `qci doctor`
 * can report it. Reasons never quote the file's text (it may hold secrets).
 *
 * The shape follows what containers/image and docker unmarshal (Go encoding/json): unknown keys are
 * ignored (and kept by qci's writer), field names match case-insensitively, `null` reads as empty.
 */
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import { QciError } from '../core/errors.js';
import * as z from 'zod/mini';
import { AuthEntry, type RawEntry } from './entry.js';
import { authFileRef, type AuthFileRef } from './discovery.js';

interface FileBase {
  ref: AuthFileRef;
  path: string;
}

export interface AuthFileOk extends FileBase {
  state: 'ok';
  /** `auths` entries (or the legacy file's top-level entries), in file order. */
  entries: AuthEntry[];
  /** `credHelpers`: host → helper name (`docker-credential-<name>`). podman and docker honour it. */
  credHelpers: Record<string, string>;
  /**
   * `credHelpers` keys whose helper is empty (or null): docker then skips `credsStore` and reads the
   * file's own entry (docker/cli `getConfiguredCredentialStore`, seen with docker 20.10).
   */
  blankCredHelpers: string[];
  /** `credsStore`: docker's default helper. containers/image (podman) ignores it. */
  credsStore: string | undefined;
  /** Top-level keys qci does not interpret (`HttpHeaders`, `psFormat`, …); writers keep them. */
  otherKeys: string[];
  /** Oddities that do not stop the engines but change what they do. */
  warnings: string[];
}

export interface AuthFileAbsent extends FileBase {
  state: 'absent';
}

export interface AuthFileCorrupt extends FileBase {
  state: 'corrupt';
  /** One line naming the path and the field, safe to print. */
  reason: string;
  /** The offending field (`auths["quay.io"].auth`), when the JSON parsed but the shape is wrong. */
  field: string | undefined;
}

export interface AuthFileUnreadable extends FileBase {
  state: 'unreadable';
  reason: string;
  code: string | undefined;
}

export type AuthFileState =
  | AuthFileOk
  | AuthFileAbsent
  | AuthFileCorrupt
  | AuthFileUnreadable;

// Go's encoding/json errors on these type mismatches and the engine then cannot use the file at all.
const entrySchema = z.nullable(
  z.looseObject({
    auth: z.optional(z.nullable(z.string())),
    identitytoken: z.optional(z.nullable(z.string())),
    email: z.optional(z.nullable(z.string())),
  }),
);
const entriesSchema = z.nullable(z.record(z.string(), entrySchema));
const configSchema = z.object({
  auths: z.optional(entriesSchema),
  credHelpers: z.optional(
    z.nullable(z.record(z.string(), z.nullable(z.string()))),
  ),
  credsStore: z.optional(z.nullable(z.string())),
});

const TOP_LEVEL_FIELDS = ['auths', 'credHelpers', 'credsStore'] as const;
const ENTRY_FIELDS = ['auth', 'identitytoken', 'email'] as const;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Go matches JSON keys to struct fields exactly first, else case-insensitively (the last such key wins).
 * Returns the key in `obj` that feeds `field`, if any.
 */
export function goFieldKey(
  obj: Record<string, unknown>,
  field: string,
): string | undefined {
  if (Object.hasOwn(obj, field)) return field;
  let found: string | undefined;
  for (const key of Object.keys(obj))
    if (key.toLowerCase() === field.toLowerCase()) found = key;
  return found;
}

/** Copies the known fields of `obj` under their canonical names; returns the rest's names. */
function canonical(
  obj: Record<string, unknown>,
  fields: readonly string[],
): { known: Record<string, unknown>; other: string[] } {
  const known: Record<string, unknown> = {};
  const used = new Set<string>();
  for (const field of fields) {
    const key = goFieldKey(obj, field);
    if (key !== undefined) {
      known[field] = obj[key];
      used.add(key);
    }
  }
  return { known, other: Object.keys(obj).filter((k) => !used.has(k)) };
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

function fieldPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    const name = String(segment);
    out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
      ? out === ''
        ? name
        : `.${name}`
      : `[${JSON.stringify(name)}]`;
  }
  return out === '' ? '(top level)' : out;
}

function valueAt(root: unknown, segments: readonly PropertyKey[]): unknown {
  let value = root;
  for (const segment of segments)
    value = isRecord(value) ? value[String(segment)] : undefined;
  return value;
}

function expectedText(expected: unknown): string {
  if (expected === 'record' || expected === 'object') return 'an object';
  if (expected === 'string') return 'a string';
  return String(expected);
}

/**
 * Where and why `text` stops being JSON, found by a small scanner of our own: V8's messages sometimes
 * quote the text around the error (which may be a secret) and sometimes give no position.
 */
export function jsonSyntaxError(
  text: string,
): { offset: number; expected: string } | undefined {
  let i = 0;
  const fail = (expected: string): never => {
    throw { offset: i, expected };
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('a value');
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('a closing quote');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('no control character inside a string');
      if (c === 0x5c) {
        i++;
        const e = text.charAt(i);
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5)))
            fail('four hex digits after \\u');
          i += 5;
        } else if ('"\\/bfnrt'.includes(e) && e !== '') i++;
        else fail('a valid escape');
      } else i++;
    }
  };
  const numberPattern = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const number = () => {
    numberPattern.lastIndex = i;
    const m = numberPattern.exec(text);
    if (!m || m[0] === '' || m[0] === '-') fail('a value');
    i += m?.[0].length ?? 0;
  };
  const value = (): void => {
    ws();
    const c = text.charAt(i);
    if (c === '{') {
      i++;
      ws();
      if (text.charAt(i) === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text.charAt(i) !== '"') fail('a double-quoted property name');
        string();
        ws();
        if (text.charAt(i) !== ':') fail("':' after a property name");
        i++;
        value();
        ws();
        const next = text.charAt(i);
        if (next === ',') i++;
        else if (next === '}') {
          i++;
          return;
        } else fail("',' or '}'");
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text.charAt(i) === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        const next = text.charAt(i);
        if (next === ',') i++;
        else if (next === ']') {
          i++;
          return;
        } else fail("',' or ']'");
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c >= '0' && c <= '9')) number();
    else fail('a value');
  };
  try {
    value();
    ws();
    if (i < text.length) fail('nothing after the top-level value');
    return undefined;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'offset' in error)
      return error as { offset: number; expected: string };
    if (error instanceof RangeError)
      return { offset: -1, expected: 'less deeply nested data' }; // stack depth
    throw error;
  }
}

function syntaxLocation(text: string): string {
  const found = jsonSyntaxError(text);
  if (!found || found.offset < 0) return 'syntax error';
  if (found.offset >= text.length)
    return `it ends early, where ${found.expected} was expected`;
  const before = text.slice(0, found.offset).split('\n');
  return `syntax error at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}: expected ${found.expected}`;
}

export type ParsedJson =
  | { ok: true; value: unknown }
  | { ok: false; reason: string };

/** JSON.parse with a reason that names the problem but never echoes the file's content. */
export function parseJsonText(text: string): ParsedJson {
  if (text.charCodeAt(0) === 0xfeff)
    return {
      ok: false,
      reason: 'starts with a byte-order mark, which podman and docker reject',
    };
  if (text.trim() === '')
    return {
      ok: false,
      reason: 'is empty, which podman and docker reject as invalid JSON',
    };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: `is not valid JSON (${syntaxLocation(text)})` };
  }
}

function corrupt(
  ref: AuthFileRef,
  reason: string,
  field?: string,
): AuthFileCorrupt {
  return {
    state: 'corrupt',
    ref,
    path: ref.path,
    reason: `${ref.path}: ${reason}`,
    field,
  };
}

function entriesFrom(
  raw: Record<string, unknown>,
  legacyFormat: boolean,
  prefix: string[],
): { entries: AuthEntry[]; problem?: { field: string; reason: string } } {
  const entries: AuthEntry[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (value === null) {
      entries.push(new AuthEntry(key, null, { legacyFormat }));
      continue;
    }
    if (!isRecord(value)) {
      const field = fieldPath([...prefix, key]);
      return {
        entries,
        problem: {
          field,
          reason: `${field} must be an object, not ${jsonType(value)}`,
        },
      };
    }
    const { known, other } = canonical(value, ENTRY_FIELDS);
    const parsed = entrySchema.safeParse(known);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const segments = [...prefix, key, ...(issue?.path ?? [])];
      const field = fieldPath(segments);
      const got = jsonType(valueAt(known, issue?.path ?? []));
      return {
        entries,
        problem: { field, reason: `${field} must be a string, not ${got}` },
      };
    }
    const data = parsed.data ?? {};
    const rawEntry: RawEntry = {
      auth: data.auth ?? undefined,
      identitytoken: data.identitytoken ?? undefined,
      email: data.email ?? undefined,
      username: stringField(value, 'username'),
      password: stringField(value, 'password'),
    };
    entries.push(
      new AuthEntry(key, rawEntry, { legacyFormat, otherFields: other }),
    );
  }
  return { entries };
}

/** docker's `username`/`password` (Go matches the names case-insensitively); podman has no such fields. */
function stringField(
  entry: Record<string, unknown>,
  field: string,
): string | undefined {
  const value = entry[goFieldKey(entry, field) ?? ''];
  return typeof value === 'string' ? value : undefined;
}

function looksLikeHostEntries(obj: Record<string, unknown>): boolean {
  return Object.entries(obj).some(
    ([key, value]) =>
      /[.:]|^localhost/.test(key) &&
      isRecord(value) &&
      goFieldKey(value, 'auth') !== undefined,
  );
}

/** Interprets an auth file's text. Pure; `readAuthFile` adds the I/O. */
export function parseAuthFileText(
  ref: AuthFileRef,
  text: string,
): AuthFileOk | AuthFileCorrupt {
  const json = parseJsonText(text);
  if (!json.ok) return corrupt(ref, json.reason);
  const warnings: string[] = [];
  let root = json.value;
  if (root === null) {
    warnings.push(`${ref.path} holds null; podman reads it as an empty file`);
    root = {};
  }
  if (!isRecord(root))
    return corrupt(
      ref,
      `the top level must be a JSON object, not ${jsonType(root)}`,
      '(top level)',
    );

  if (ref.format === 'dockercfg') {
    // Legacy ~/.dockercfg: host → entry at the top level, no "auths" wrapper, no helpers.
    const { entries, problem } = entriesFrom(root, true, []);
    if (problem) return corrupt(ref, problem.reason, problem.field);
    if (
      goFieldKey(root, 'auths') !== undefined &&
      isRecord(root[goFieldKey(root, 'auths') ?? ''])
    ) {
      warnings.push(
        `${ref.path} looks like config.json content ("auths" wrapper); the legacy reader sees a registry named "auths" and no credentials`,
      );
    }
    return {
      state: 'ok',
      ref,
      path: ref.path,
      entries,
      credHelpers: {},
      blankCredHelpers: [],
      credsStore: undefined,
      otherKeys: [],
      warnings,
    };
  }

  const { known, other } = canonical(root, TOP_LEVEL_FIELDS);
  const parsed = configSchema.safeParse(known);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const segments = issue?.path ?? [];
    const field = fieldPath(segments);
    const got = jsonType(valueAt(known, segments));
    const expected =
      issue && 'expected' in issue
        ? expectedText(issue.expected)
        : 'something else';
    return corrupt(ref, `${field} must be ${expected}, not ${got}`, field);
  }
  const rawAuths = known.auths;
  let entries: AuthEntry[] = [];
  if (isRecord(rawAuths)) {
    const result = entriesFrom(rawAuths, false, ['auths']);
    if (result.problem)
      return corrupt(ref, result.problem.reason, result.problem.field);
    entries = result.entries;
  } else if (looksLikeHostEntries(root)) {
    warnings.push(
      `${ref.path} holds registry entries at the top level (the legacy .dockercfg layout) without an "auths" wrapper; podman and docker find no credentials in it`,
    );
  }
  const credHelpers: Record<string, string> = {};
  const blankCredHelpers: string[] = [];
  for (const [host, helper] of Object.entries(parsed.data.credHelpers ?? {})) {
    if (helper) credHelpers[host] = helper;
    else blankCredHelpers.push(host);
  }
  return {
    state: 'ok',
    ref,
    path: ref.path,
    entries,
    credHelpers,
    blankCredHelpers,
    credsStore: parsed.data.credsStore || undefined,
    otherKeys: other,
    warnings,
  };
}

/** Reads and interprets one auth file. Never throws for a missing, unreadable or malformed file. */
export async function readAuthFile(
  refOrPath: AuthFileRef | string,
): Promise<AuthFileState> {
  const ref =
    typeof refOrPath === 'string' ? authFileRef(refOrPath) : refOrPath;
  let text: string;
  try {
    text = await readFileSafe(ref.path, {
      maxBytes: MAX_BYTES.authFile,
      what: 'auth file',
    });
  } catch (error) {
    if (error instanceof QciError)
      return {
        state: 'unreadable',
        ref,
        path: ref.path,
        reason: error.message,
        code: error.kind,
      };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'absent', ref, path: ref.path };
    const why =
      code === 'EISDIR'
        ? 'is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'ENOTDIR'
            ? 'a parent is not a directory'
            : `cannot be read (${code ?? 'error'})`;
    return {
      state: 'unreadable',
      ref,
      path: ref.path,
      reason: `${ref.path}: ${why}`,
      code,
    };
  }
  return parseAuthFileText(ref, text);
}

/** Reads several files in order (the order `authFileCandidates` returned). */
export async function readAuthFiles(
  refs: readonly AuthFileRef[],
): Promise<AuthFileState[]> {
  return Promise.all(refs.map((ref) => readAuthFile(ref)));
}
