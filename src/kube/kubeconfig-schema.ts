/**
 * The parts of a kubeconfig qci reads, validated at the boundary; everything else passes through to
 * client-node untouched (loose objects). Loaded lazily by kubeconfig.ts.
 */
import * as z from 'zod/mini';

const text = z.optional(z.nullable(z.string()));
const named = <T extends z.core.$ZodType>(key: string, body: T) =>
  z.looseObject({
    name: z.string().check(z.minLength(1, 'expected a name')),
    [key]: z.optional(z.nullable(body)),
  });

const kubeconfigSchema = z.looseObject({
  clusters: z.optional(
    z.nullable(
      z.array(
        named(
          'cluster',
          z.looseObject({ server: text, 'certificate-authority': text }),
        ),
      ),
    ),
  ),
  users: z.optional(
    z.nullable(
      z.array(
        named(
          'user',
          z.looseObject({ token: text, tokenFile: text, 'token-file': text }),
        ),
      ),
    ),
  ),
  contexts: z.optional(
    z.nullable(
      z.array(
        named(
          'context',
          z.looseObject({ cluster: text, user: text, namespace: text }),
        ),
      ),
    ),
  ),
  'current-context': text,
});

/** The validated document, or what is wrong with it: `field.path: message`. */
export function validKubeconfig(
  doc: unknown,
): z.infer<typeof kubeconfigSchema> | string {
  const parsed = kubeconfigSchema.safeParse(doc);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path =
    issue?.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '') ?? '';
  return `${path ? `${path}: ` : ''}${issue?.message ?? 'not a kubeconfig'}`;
}
