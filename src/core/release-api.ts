/**
 * The release controller's API answers, checked at the boundary (openshift/release-controller
 * pkg/release-controller types.go `APITag`, `APIRelease`; cmd/release-controller-api/http.go
 * `filteredStreams` for /api/v1/releasestreams/all: a map of stream name to release names).
 * Errors are plain text (Go's http.Error): `no release configuration exists with the requested name`
 * (404, unknown stream) and `no tags exist within the release that satisfy the request` (404, nothing
 * accepted yet), both from pkg/release-controller release.go.
 */
import * as z from 'zod/mini';

const tag = z.object({
  name: z.string().check(z.minLength(1)),
  phase: z.optional(z.string()),
  pullSpec: z.optional(z.string()),
  downloadURL: z.optional(z.string()),
});
export type ApiTag = z.infer<typeof tag>;

const release = z.object({
  name: z.string(),
  // Go marshals an empty slice it never appended to as null.
  tags: z.nullable(z.array(tag)),
});
export type ApiRelease = z.infer<typeof release>;

const streams = z.record(z.string(), z.nullable(z.array(z.string())));

export type Parsed<T> = { ok: true; value: T } | { ok: false; issue: string };

function parse<T>(schema: z.ZodMiniType<T>, text: string): Parsed<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, issue: 'not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    issue: issue
      ? `${issue.path.join('.') || 'the answer'}: ${issue.message}`
      : 'unexpected shape',
  };
}

/** /api/v1/releasestream/<stream>/latest */
export const parseLatest = (text: string) => parse(tag, text);
/** /api/v1/releasestream/<stream>/tags */
export const parseTags = (text: string) => parse(release, text);
/** /api/v1/releasestreams/all */
export const parseStreams = (text: string) => parse(streams, text);

/** What a 404's plain-text body means. */
export function notFoundMeaning(
  body: string,
): 'unknown-stream' | 'no-release' | 'other' {
  if (/no release configuration exists|unable to find release/i.test(body))
    return 'unknown-stream';
  if (/no tags exist within the release/i.test(body)) return 'no-release';
  return 'other';
}

/** The image-references ImageStream (oc pkg/cli/admin/release image_mapper.go readReleaseImageReferences). */
const imageStream = z.object({
  kind: z.literal('ImageStream'),
  apiVersion: z.literal('image.openshift.io/v1'),
  spec: z.object({
    tags: z.nullable(
      z.array(
        z.object({
          name: z.string(),
          from: z.optional(
            z.object({ kind: z.optional(z.string()), name: z.string() }),
          ),
        }),
      ),
    ),
  }),
});

export interface Component {
  name: string;
  pullSpec: string;
  digest: string | null;
}

/** The components an image-references file lists, sorted by name, with their digests. */
export function parseImageReferences(text: string): Parsed<Component[]> {
  const parsed = parse(imageStream, text);
  if (!parsed.ok) return parsed;
  const components = (parsed.value.spec.tags ?? [])
    .filter((t) => t.from?.name)
    .map((t) => ({
      name: t.name,
      pullSpec: t.from!.name,
      digest: /@(sha256:[0-9a-f]{64})$/.exec(t.from!.name)?.[1] ?? null,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { ok: true, value: components };
}
