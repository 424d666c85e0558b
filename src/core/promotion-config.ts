/**
 * The shapes of a ci-operator config's promotion fields, checked with zod, with messages that say what
 * was found. Pure: takes the parsed YAML (plain data) and records findings under the field path they are
 * about.
 */
import * as z from 'zod/mini';

/** A path into the config document, as YAML sees it: keys and list indexes. */
export type FieldPath = (string | number)[];

export interface Finding {
  path: FieldPath;
  message: string;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  return typeof value;
}

// Shapes, with messages that say what was found. null counts as absent, as in Go's YAML decoding.
const text = z.string({
  error: (issue) => {
    const got = issue.input;
    if (got === undefined) return 'is required';
    const quote =
      typeof got === 'number' || typeof got === 'boolean'
        ? ': quote the value in YAML so it stays a string'
        : '';
    return `expected a string, got ${describeValue(got)}${quote}`;
  },
});
const flag = z.boolean({
  error: (issue) => `expected true or false, got ${describeValue(issue.input)}`,
});
const list = <T extends z.core.SomeType>(item: T) =>
  z.array(item, {
    error: (issue) => `expected a list, got ${describeValue(issue.input)}`,
  });
const mapping = {
  error: (issue: { input: unknown }) =>
    `expected a mapping, got ${describeValue(issue.input)}`,
};

const imageSchema = z.object({ to: text, optional: z.nullish(flag) }, mapping);

export const targetShape = {
  namespace: z.nullish(text),
  name: z.nullish(text),
  tag: z.nullish(text),
  tag_by_commit: z.nullish(flag),
  excluded_images: z.nullish(list(text)),
  additional_images: z.nullish(z.record(z.string(), text, mapping)),
  disabled: z.nullish(flag),
};
export const targetSchema = z.object(targetShape, mapping);
export type Target = z.infer<typeof targetSchema>;

export const promotionSchema = z.object(
  {
    ...targetShape,
    to: z.nullish(list(z.unknown())),
    disable_build_cache: z.nullish(flag),
  },
  mapping,
);
export type Promotion = z.infer<typeof promotionSchema>;

export const metadataSchema = z.object(
  { org: text, repo: text, branch: text, variant: z.nullish(text) },
  mapping,
);

export const configSchema = z.object(
  {
    images: z.nullish(z.unknown()),
    promotion: z.nullish(z.unknown()),
    binary_build_commands: z.nullish(text),
    zz_generated_metadata: z.nullish(z.unknown()),
  },
  mapping,
);

/** Runs a schema; on failure records every issue under `base` and returns undefined. */
export function check<T>(
  schema: z.ZodMiniType<T>,
  value: unknown,
  base: FieldPath,
  problems: Finding[],
): T | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    problems.push({
      path: [...base, ...(issue.path as (string | number)[])],
      message: issue.message,
    });
  }
  return undefined;
}

export interface Image {
  to: string;
  optional: boolean;
  path: FieldPath;
}

/** `images:` is a list, or (newer configs) a mapping with the list under `items`. */
export function readImages(raw: unknown, problems: Finding[]): Image[] {
  if (raw === undefined || raw === null) return [];
  let items: unknown = raw;
  let base: FieldPath = ['images'];
  if (isMapping(raw)) {
    items = raw.items ?? [];
    base = ['images', 'items'];
  }
  if (!Array.isArray(items)) {
    problems.push({
      path: base,
      message: `expected a list of images, got ${describeValue(items)}`,
    });
    return [];
  }
  const images: Image[] = [];
  items.forEach((item, index) => {
    const image = check(imageSchema, item, [...base, index], problems);
    if (image)
      images.push({
        to: image.to,
        optional: image.optional === true,
        path: [...base, index, 'to'],
      });
  });
  return images;
}

export interface Metadata {
  org: string;
  repo: string;
  branch: string;
  variant?: string | null | undefined;
}
