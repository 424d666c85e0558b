/**
 * Settings: one zod schema, four sources, precedence flag > environment > config file > default.
 * Pure: the caller reads the environment and the config file and hands them in.
 * A bad value in any source is an error that names that source.
 */
// zod/mini: the same validation, tree-shaken, so light commands start fast.
import * as z from 'zod/mini';
import { QCI_PROXY_HOST } from './reference.js';
import { usageError } from './errors.js';

/** host or host:port, as podman takes a registry: no scheme, no path. */
const registryHost = z.string().check(
  z.regex(
    /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/,
    'expected a registry host such as quay-proxy.ci.openshift.org or 127.0.0.1:5000 (no scheme, no path)',
  ),
);
const platform = z
  .string()
  .check(z.regex(/^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/, 'expected OS/ARCH[/VARIANT], such as linux/amd64 or linux/arm64/v8'));
const engine = z.enum(['podman', 'docker', 'auto']);
const context = z.string().check(z.minLength(1, 'expected a kube context name'));

export const settingsSchema = z.object({
  registry: registryHost,
  tlsVerify: z.boolean(),
  context: z.optional(context),
  engine,
  platform,
});
export type Settings = z.infer<typeof settingsSchema>;
export type SettingKey = keyof Settings;

export const DEFAULT_SETTINGS: Settings = {
  registry: QCI_PROXY_HOST,
  tlsVerify: true,
  context: undefined,
  engine: 'auto',
  platform: 'linux/amd64',
};

/** Environment variable and config-file key of each setting (later issues use these names). */
export const SETTING_NAMES: Record<SettingKey, { env: string; file: string; flag: string }> = {
  registry: { env: 'QCI_REGISTRY', file: 'registry', flag: '--registry' },
  tlsVerify: { env: 'QCI_TLS_VERIFY', file: 'tls-verify', flag: '--tls-verify' },
  context: { env: 'QCI_CONTEXT', file: 'context', flag: '--context' },
  engine: { env: 'QCI_ENGINE', file: 'engine', flag: '--engine' },
  platform: { env: 'QCI_PLATFORM', file: 'platform', flag: '--platform' },
};

/** The config file's shape: the same settings under their file keys; unknown keys are an error. */
const fileSchema = z.strictObject({
  registry: z.optional(registryHost),
  'tls-verify': z.optional(z.boolean()),
  context: z.optional(context),
  engine: z.optional(engine),
  platform: z.optional(platform),
});

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

function firstIssue(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `${path}${issue.message}`;
}

export function resolveSettings(input: SettingsInput): ResolvedSettings {
  const settings: Settings = { ...DEFAULT_SETTINGS };
  const sources = Object.fromEntries(Object.keys(DEFAULT_SETTINGS).map((k) => [k, 'default'])) as Record<
    SettingKey,
    SettingsSource
  >;
  const keys = Object.keys(SETTING_NAMES) as SettingKey[];

  if (input.file) {
    const data = input.file.data ?? {};
    const parsed = fileSchema.safeParse(data);
    if (!parsed.success) {
      throw usageError(`config file ${input.file.path}: ${firstIssue(parsed.error)}`, {
        kind: 'bad-setting',
        hint: `fix or remove ${input.file.path}; keys: ${keys.map((k) => SETTING_NAMES[k].file).join(', ')}`,
      });
    }
    for (const key of keys) {
      const value = (parsed.data as Record<string, unknown>)[SETTING_NAMES[key].file];
      if (value !== undefined) {
        (settings as Record<string, unknown>)[key] = value;
        sources[key] = 'config file';
      }
    }
  }

  for (const key of keys) {
    const name = SETTING_NAMES[key].env;
    const raw = input.env?.[name];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (key === 'tlsVerify') {
      value = parseBoolean(raw);
      if (value === undefined) throw usageError(`environment ${name}=${raw}: expected true or false`, { kind: 'bad-setting' });
    }
    const parsed = settingsSchema.shape[key].safeParse(value);
    if (!parsed.success) throw usageError(`environment ${name}=${raw}: ${firstIssue(parsed.error)}`, { kind: 'bad-setting' });
    (settings as Record<string, unknown>)[key] = parsed.data;
    sources[key] = 'environment';
  }

  for (const key of keys) {
    const raw = input.flags?.[key];
    if (raw === undefined) continue;
    let value: unknown = raw;
    if (key === 'tlsVerify' && typeof raw === 'string') {
      value = parseBoolean(raw);
      if (value === undefined) throw usageError(`option ${SETTING_NAMES[key].flag}=${raw}: expected true or false`);
    }
    const parsed = settingsSchema.shape[key].safeParse(value);
    if (!parsed.success) throw usageError(`option ${SETTING_NAMES[key].flag}: ${firstIssue(parsed.error)}`, { kind: 'bad-setting' });
    (settings as Record<string, unknown>)[key] = parsed.data;
    sources[key] = 'flag';
  }

  return { settings, sources };
}
