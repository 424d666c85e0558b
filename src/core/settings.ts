/**
 * Settings: one zod schema (settings-schema.ts), four sources, precedence flag > environment > config
 * file > default.
 * Pure: the caller reads the environment and the config file and hands them in.
 * A bad value in any source is an error that names that source.
 */
import { QCI_PROXY_HOST } from './reference.js';
import { usageError } from './errors.js';
// Types only: zod (settings-schema.ts) loads when there is a value to check, not at every start.
import type {
  SchemaKey,
  SchemaSettings,
  SettingsValidator,
} from './settings-schema.js';

/**
 * Numeric settings (qci job-image's limits), checked by hand: zod's number schemas would be evaluated at every
 * start-up for one command. As text (environment, flags, config file) a size may carry K, M or G (powers of 1024).
 */
interface NumberRule {
  parse: (text: string) => number | undefined;
  valid: (n: number) => boolean;
  expected: string;
}
const decimal = (text: string) =>
  /^\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : undefined;
const NUMBER_SETTINGS = {
  /** qci job-image: give up when a server sends nothing for this many seconds. */
  jobLogTimeout: {
    parse: decimal,
    valid: (n) => n > 0 && n <= 3600,
    expected: 'a number of seconds above 0, at most 3600',
  },
  /** qci job-image: stop downloading a log after this many bytes without the namespace line. */
  jobLogMaxBytes: {
    parse: parseSize,
    valid: (n) => Number.isInteger(n) && n >= 1024,
    expected: 'a size of at least 1K, such as 512M',
  },
  jobLogMaxRedirects: {
    parse: decimal,
    valid: (n) => Number.isInteger(n) && n >= 0 && n <= 20,
    expected: 'a whole number from 0 to 20',
  },
} satisfies Record<string, NumberRule>;
type NumberKey = keyof typeof NUMBER_SETTINGS;

/** Bytes in "512M", "1.5G", "64KiB", "4096"; undefined when the text is not a size. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  if (!match) return undefined;
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
    match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'
  ];
  return Math.round(Number(match[1]) * scale);
}

function isNumberKey(key: string): key is NumberKey {
  return Object.hasOwn(NUMBER_SETTINGS, key);
}

/** A numeric setting's value from a number or its text; null when it is not a valid one. */
function numberSetting(key: NumberKey, raw: unknown): number | null {
  const rule: NumberRule = NUMBER_SETTINGS[key];
  const n =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string'
        ? rule.parse(raw)
        : undefined;
  return n !== undefined && Number.isFinite(n) && rule.valid(n) ? n : null;
}

export type Settings = SchemaSettings & Record<NumberKey, number>;
export type SettingKey = keyof Settings;

export const DEFAULT_SETTINGS: Settings = {
  registry: QCI_PROXY_HOST,
  tlsVerify: true,
  context: undefined,
  engine: 'auto',
  platform: 'linux/amd64',
  jobLogTimeout: 30,
  jobLogMaxBytes: 512 * 1024 * 1024,
  jobLogMaxRedirects: 5,
  gcsBaseUrl: 'https://storage.googleapis.com',
  prowBaseUrl: 'https://prow.ci.openshift.org',
  releaseController: undefined,
};

/** Environment variable and config-file key of each setting (later issues use these names). */
export const SETTING_NAMES: Record<
  SettingKey,
  { env: string; file: string; flag: string }
> = {
  registry: { env: 'QCI_REGISTRY', file: 'registry', flag: '--registry' },
  tlsVerify: {
    env: 'QCI_TLS_VERIFY',
    file: 'tls-verify',
    flag: '--tls-verify',
  },
  context: { env: 'QCI_CONTEXT', file: 'context', flag: '--context' },
  engine: { env: 'QCI_ENGINE', file: 'engine', flag: '--engine' },
  platform: { env: 'QCI_PLATFORM', file: 'platform', flag: '--platform' },
  jobLogTimeout: {
    env: 'QCI_JOB_LOG_TIMEOUT',
    file: 'job-log-timeout',
    flag: '--timeout',
  },
  jobLogMaxBytes: {
    env: 'QCI_JOB_LOG_MAX_BYTES',
    file: 'job-log-max-bytes',
    flag: '--max-bytes',
  },
  jobLogMaxRedirects: {
    env: 'QCI_JOB_LOG_MAX_REDIRECTS',
    file: 'job-log-max-redirects',
    flag: '--max-redirects',
  },
  gcsBaseUrl: {
    env: 'QCI_GCS_BASE_URL',
    file: 'gcs-base-url',
    flag: '--gcs-base-url',
  },
  prowBaseUrl: {
    env: 'QCI_PROW_BASE_URL',
    file: 'prow-base-url',
    flag: '--prow-base-url',
  },
  releaseController: {
    env: 'QCI_RELEASE_CONTROLLER',
    file: 'release-controller',
    flag: '--release-controller',
  },
};

export type SettingsSource = 'flag' | 'environment' | 'config file' | 'default';

export interface SettingsInput {
  flags?: Partial<Record<SettingKey, unknown>>;
  env?: Record<string, string | undefined>;
  /** The parsed YAML of the config file, and its path for messages. */
  file?: { path: string; data: unknown };
}

export interface ResolvedSettings {
  settings: Settings;
  /** Where each value came from (qci --verbose shows it; tests check precedence with it). */
  sources: Record<SettingKey, SettingsSource>;
}

function parseBoolean(text: string): boolean | undefined {
  const value = text.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  return undefined;
}

/**
 * The settings from their sources. `validate` checks each given value (settings-schema.ts; settingsFrom
 * loads it only when a value is given): without it, a given value is an internal error.
 */
export function resolveSettings(
  input: SettingsInput,
  validate?: SettingsValidator,
): ResolvedSettings {
  const check = (): SettingsValidator => {
    if (!validate)
      throw new Error('resolveSettings: a value to check, and no validator');
    return validate;
  };
  const resolved: ResolvedSettings = {
    settings: { ...DEFAULT_SETTINGS },
    sources: Object.fromEntries(
      Object.keys(DEFAULT_SETTINGS).map((k) => [k, 'default']),
    ) as Record<SettingKey, SettingsSource>,
  };
  // Each source overrides the ones before it: config file, environment, flags.
  if (input.file) fromConfigFile(resolved, input.file, check);
  fromEnvironment(resolved, input.env, check);
  fromFlags(resolved, input.flags, check);
  return resolved;
}

const SETTING_KEYS = Object.keys(SETTING_NAMES) as SettingKey[];

function setting(
  { settings, sources }: ResolvedSettings,
  key: SettingKey,
  value: unknown,
  source: SettingsSource,
): void {
  (settings as Record<string, unknown>)[key] = value;
  sources[key] = source;
}

function fromConfigFile(
  resolved: ResolvedSettings,
  file: NonNullable<SettingsInput['file']>,
  check: () => SettingsValidator,
): void {
  const { data, numbers } = splitNumbers(file.data ?? {});
  const parsed = check().file(data);
  if (!parsed.ok) {
    throw usageError(`config file ${file.path}: ${parsed.issue}`, {
      kind: 'bad-setting',
      hint: `fix or remove ${file.path}; keys: ${SETTING_KEYS.map((k) => SETTING_NAMES[k].file).join(', ')}`,
    });
  }
  for (const [key, raw] of Object.entries(numbers) as [NumberKey, unknown][]) {
    const value = numberSetting(key, raw);
    if (value === null) {
      throw usageError(
        `config file ${file.path}: ${SETTING_NAMES[key].file}: expected ${NUMBER_SETTINGS[key].expected}`,
        { kind: 'bad-setting' },
      );
    }
    setting(resolved, key, value, 'config file');
  }
  for (const key of SETTING_KEYS) {
    if (isNumberKey(key)) continue;
    const value = parsed.data[SETTING_NAMES[key].file];
    if (value !== undefined) setting(resolved, key, value, 'config file');
  }
}

/** Numeric settings are checked by hand (NUMBER_SETTINGS), so they leave the zod check of the file. */
function splitNumbers(original: unknown): {
  data: unknown;
  numbers: Partial<Record<NumberKey, unknown>>;
} {
  const numbers: Partial<Record<NumberKey, unknown>> = {};
  const isMapping =
    typeof original === 'object' &&
    original !== null &&
    !Array.isArray(original);
  if (!isMapping) return { data: original, numbers };
  const copy = { ...(original as Record<string, unknown>) };
  for (const key of Object.keys(NUMBER_SETTINGS) as NumberKey[]) {
    const fileKey = SETTING_NAMES[key].file;
    if (fileKey in copy) {
      numbers[key] = copy[fileKey];
      delete copy[fileKey];
    }
  }
  return { data: copy, numbers };
}

function fromEnvironment(
  resolved: ResolvedSettings,
  env: SettingsInput['env'],
  check: () => SettingsValidator,
): void {
  for (const key of SETTING_KEYS) {
    const name = SETTING_NAMES[key].env;
    const raw = env?.[name];
    if (raw === undefined || raw === '') continue;
    if (isNumberKey(key)) {
      const n = numberSetting(key, raw);
      if (n === null)
        throw usageError(
          `environment ${name}=${raw}: expected ${NUMBER_SETTINGS[key].expected}`,
          { kind: 'bad-setting' },
        );
      setting(resolved, key, n, 'environment');
      continue;
    }
    let value: unknown = raw;
    if (key === 'tlsVerify') {
      value = parseBoolean(raw);
      if (value === undefined)
        throw usageError(`environment ${name}=${raw}: expected true or false`, {
          kind: 'bad-setting',
        });
    }
    const parsed = check().value(key as SchemaKey, value);
    if (!parsed.ok)
      throw usageError(`environment ${name}=${raw}: ${parsed.issue}`, {
        kind: 'bad-setting',
      });
    setting(resolved, key, parsed.data, 'environment');
  }
}

function fromFlags(
  resolved: ResolvedSettings,
  flags: SettingsInput['flags'],
  check: () => SettingsValidator,
): void {
  for (const key of SETTING_KEYS) {
    const raw = flags?.[key];
    if (raw === undefined) continue;
    if (isNumberKey(key)) {
      const n = numberSetting(key, raw);
      if (n === null)
        throw usageError(
          `option ${SETTING_NAMES[key].flag}=${String(raw)}: expected ${NUMBER_SETTINGS[key].expected}`,
          { kind: 'bad-setting' },
        );
      setting(resolved, key, n, 'flag');
      continue;
    }
    let value: unknown = raw;
    if (key === 'tlsVerify' && typeof raw === 'string') {
      value = parseBoolean(raw);
      if (value === undefined)
        throw usageError(
          `option ${SETTING_NAMES[key].flag}=${raw}: expected true or false`,
        );
    }
    const parsed = check().value(key as SchemaKey, value);
    if (!parsed.ok)
      throw usageError(
        `option ${SETTING_NAMES[key].flag} ${JSON.stringify(String(raw))}: ${parsed.issue}`,
        { kind: 'bad-setting' },
      );
    setting(resolved, key, parsed.data, 'flag');
  }
}

const CONTEXT_SOURCES: Record<SettingsSource, string> = {
  flag: '--context',
  environment: 'QCI_CONTEXT',
  'config file': 'the config file',
  default: 'default',
};

/** The kube context the settings name, and where it was named (for messages); undefined: find app.ci. */
export function requestedContext({
  settings,
  sources,
}: ResolvedSettings): { name: string; source: string } | undefined {
  return settings.context
    ? { name: settings.context, source: CONTEXT_SOURCES[sources.context] }
    : undefined;
}

/**
 * The kube context the settings will name, from the same sources in the same order (flag, QCI_CONTEXT,
 * config file) but unchecked: for opening app.ci's connections before the settings are checked
 * (cli/warm.ts); resolveSettings has the last word.
 */
export function uncheckedContext(input: SettingsInput): string | undefined {
  const names = SETTING_NAMES.context;
  const file = input.file?.data;
  for (const value of [
    input.flags?.context,
    input.env?.[names.env],
    file !== null && typeof file === 'object'
      ? (file as Record<string, unknown>)[names.file]
      : undefined,
  ])
    if (typeof value === 'string' && value !== '') return value;
  return undefined;
}

/** resolveSettings, with zod loaded only when a flag, variable or config file gives a value to check. */
export async function settingsFrom(
  input: SettingsInput,
): Promise<ResolvedSettings> {
  const given =
    input.file !== undefined ||
    Object.values(input.flags ?? {}).some((v) => v !== undefined) ||
    Object.values(SETTING_NAMES).some((n) => (input.env?.[n.env] ?? '') !== '');
  return resolveSettings(
    input,
    given
      ? (await import('./settings-schema.js')).settingsValidator
      : undefined,
  );
}
