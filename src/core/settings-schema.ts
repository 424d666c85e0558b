/**
 * The settings' zod schemas (settings.ts loads this module only when a value is given to check, so a
 * command run with defaults does not load zod).
 */
// zod/mini: the same validation, tree-shaken.
import * as z from 'zod/mini';
import { ENGINES } from './engine-settings.js';

/** host or host:port, as podman takes a registry: no scheme, no path. */
const registryHost = z
  .string()
  .check(
    z.regex(
      /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/,
      'expected a registry host such as quay-proxy.ci.openshift.org or 127.0.0.1:5000 (no scheme, no path)',
    ),
  );
const platform = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/,
      'expected OS/ARCH[/VARIANT], such as linux/amd64 or linux/arm64/v8',
    ),
  );
// A fixed choice lists the choices (zod's own message is "Invalid input").
const engine = z.enum(ENGINES, {
  error: `expected one of ${ENGINES.join(', ')}`,
});
const context = z
  .string()
  .check(z.minLength(1, 'expected a kube context name'));
/** A base URL for a stand-in server (tests): http or https, a host, an optional path, nothing else. */
const baseUrl = z
  .string()
  .check(
    z.regex(
      /^https?:\/\/[^\s/?#]+(?:\/[^\s?#]*)?$/,
      'expected an http(s) URL such as http://127.0.0.1:8080',
    ),
  );

export const settingsSchema = z.object({
  registry: registryHost,
  tlsVerify: z.boolean(),
  context: z.optional(context),
  engine,
  platform,
  /** For tests: a stand-in for https://storage.googleapis.com (the GCS buckets of Prow jobs). */
  gcsBaseUrl: baseUrl,
  /** For tests: a stand-in for https://prow.ci.openshift.org (live logs of running jobs). */
  prowBaseUrl: baseUrl,
  /** qci release: the release controller API for every architecture (a mirror, or a test's stand-in). */
  releaseController: z.optional(baseUrl),
});

export type SchemaSettings = z.infer<typeof settingsSchema>;
export type SchemaKey = keyof SchemaSettings;

/** The config file's shape: the same settings under their file keys; unknown keys are an error. */
const fileSchema = z.strictObject({
  registry: z.optional(registryHost),
  'tls-verify': z.optional(z.boolean()),
  context: z.optional(context),
  engine: z.optional(engine),
  platform: z.optional(platform),
  'gcs-base-url': z.optional(baseUrl),
  'prow-base-url': z.optional(baseUrl),
  'release-controller': z.optional(baseUrl),
});

export type Checked<T> = { ok: true; data: T } | { ok: false; issue: string };

export interface SettingsValidator {
  /** One setting's value (from a flag or the environment). */
  value(key: SchemaKey, value: unknown): Checked<unknown>;
  /** The config file's mapping (without its numeric keys, which settings.ts checks by hand). */
  file(data: unknown): Checked<Record<string, unknown>>;
}

/** The first issue in words (zod/mini carries no locale: its own message is "Invalid input"). */
function firstIssue(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.message === 'Invalid input')
    return `${path}expected ${issue.expected}`;
  return `${path}${issue.message}`;
}

export const settingsValidator: SettingsValidator = {
  value(key, value) {
    const parsed = settingsSchema.shape[key].safeParse(value);
    return parsed.success
      ? { ok: true, data: parsed.data }
      : { ok: false, issue: firstIssue(parsed.error) };
  },
  file(data) {
    const parsed = fileSchema.safeParse(data);
    return parsed.success
      ? { ok: true, data: parsed.data as Record<string, unknown> }
      : { ok: false, issue: firstIssue(parsed.error) };
  },
};
