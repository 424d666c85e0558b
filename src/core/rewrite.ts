/**
 * Finding registry.ci.openshift.org and registry.svc.ci.openshift.org image references in any text and
 * mapping them to QCI pull specs (REFERENCE §1). Pure: the caller reads and writes the files.
 *
 * The text is the file's bytes decoded as latin1, one character per byte: the patterns are ASCII, so
 * offsets are byte offsets and re-encoding as latin1 gives back every byte we did not replace.
 */
import {
  DECOMMISSIONED_REGISTRY,
  QCI_PROXY_HOST,
  QCI_REPOSITORY_PATH,
  ReferenceError,
  parseReference,
  pullSpecFor,
} from './reference.js';

/** Every reference contains this; a file without it needs no regex at all. */
export const REGISTRY_MARKER = 'ci.openshift.org';

export interface RegistryReference {
  /** Byte offsets of the reference in the text. */
  start: number;
  end: number;
  /** 1-based line and column (in bytes) of `start`. */
  line: number;
  column: number;
  /** The reference as written. */
  reference: string;
  /** The QCI pull spec to write instead, or null when it needs review. */
  replacement: string | null;
  /** Why it cannot be rewritten safely (null when it can). */
  reason: string | null;
  /** For a templated reference: what it would most likely become, for a human to check. */
  suggestion: string | null;
}

// The host, not inside a longer host name (myregistry.ci.openshift.org, registry.ci.openshift.org.example.com).
const HOST =
  /(?<![A-Za-z0-9.-])registry\.(?:svc\.)?ci\.openshift\.org(?!\.?[A-Za-z0-9-])/g;
// What may follow the host in a reference: an optional port, then a path of reference characters and
// template expressions (${X}, $(X), {{ x }}, $X), which are kept whole so they can be recognised.
const TAIL =
  /(?::[0-9]+)?\/(?:[A-Za-z0-9._/:@-]|\$\{[^}\s]{0,100}\}|\$\([^)\s]{0,100}\)|\{\{[^}\n]{0,200}\}\}|\$[A-Za-z_][A-Za-z0-9_]*)*/y;
const TEMPLATE = /\$\{|\$\(|\{\{|\$[A-Za-z_]/;

/** Every registry reference in `text`, in order. */
export function findRegistryReferences(
  text: string,
  pullHost: string = QCI_PROXY_HOST,
): RegistryReference[] {
  if (!text.includes(REGISTRY_MARKER)) return [];
  const found: RegistryReference[] = [];
  let line = 1;
  let lineStart = 0;
  let counted = 0;
  HOST.lastIndex = 0;
  for (let m = HOST.exec(text); m !== null; m = HOST.exec(text)) {
    const start = m.index;
    const host = m[0];
    TAIL.lastIndex = start + host.length;
    const tail = TAIL.exec(text);
    let end = tail ? TAIL.lastIndex : start + host.length;
    // A reference at the end of a sentence or a "key:" keeps its punctuation outside.
    while (
      end > start + host.length &&
      (text[end - 1] === '.' || text[end - 1] === ':')
    )
      end--;
    HOST.lastIndex = end;

    for (
      let nl = text.indexOf('\n', counted);
      nl !== -1 && nl < start;
      nl = text.indexOf('\n', nl + 1)
    ) {
      line++;
      lineStart = nl + 1;
    }
    counted = start;

    const reference = text.slice(start, end);
    const classified = classify(reference, host, pullHost);
    if (classified === null) continue;
    found.push({
      start,
      end,
      line,
      column: start - lineStart + 1,
      reference,
      ...classified,
    });
  }
  return found;
}

type Classification = Pick<
  RegistryReference,
  'replacement' | 'reason' | 'suggestion'
>;

function review(
  reason: string,
  suggestion: string | null = null,
): Classification {
  return { replacement: null, reason, suggestion };
}

function classify(
  reference: string,
  host: string,
  pullHost: string,
): Classification | null {
  const path = reference.slice(host.length);
  if (path === '' || path === '/') {
    // A bare host (podman login registry.ci.openshift.org) is no image reference; app.ci's registry is
    // still right for automation, the decommissioned one is wrong everywhere.
    return host === DECOMMISSIONED_REGISTRY
      ? review(
          `${DECOMMISSIONED_REGISTRY} is decommissioned; this names it without an image`,
        )
      : null;
  }
  if (path.startsWith(':'))
    return review(
      'names the registry with a port; QCI is pulled from quay-proxy.ci.openshift.org without one',
    );
  if (TEMPLATE.test(path)) {
    return review(
      'templated; the QCI tag joins namespace, name and tag into one, so it depends on the value',
      templatedSuggestion(path, pullHost),
    );
  }
  try {
    const ref = parseReference(reference);
    return {
      replacement: pullSpecFor(ref, pullHost),
      reason: null,
      suggestion: null,
    };
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    if (error.part === 'digest') {
      return review(
        'pinned by digest; QCI names images by tag (NS_NAME_TAG): use the tag this digest was promoted as',
      );
    }
    if (error.part === 'tag' && !path.slice(1).includes(':')) {
      return review(
        'no tag; QCI has no default tag: write the tag you pull (NS/NAME:TAG)',
      );
    }
    return review(error.message.replace(/^invalid reference "[^"]*": /, ''));
  }
}

/** For /NS/NAME:TAG with a template in it: the QCI form, assuming the template yields a plain value. */
function templatedSuggestion(path: string, pullHost: string): string | null {
  const m = /^\/([^/:@]+)\/([^/:@]+):([^/@]+)$/.exec(path);
  if (!m) return null;
  return `${pullHost}/${QCI_REPOSITORY_PATH}:${m[1]}_${m[2]}_${m[3]}`;
}

/** The text with every rewritable reference replaced; everything else byte for byte as it was. */
export function applyRewrites(
  text: string,
  references: RegistryReference[],
): string {
  let out = '';
  let at = 0;
  for (const ref of references) {
    if (ref.replacement === null) continue;
    out += text.slice(at, ref.start) + ref.replacement;
    at = ref.end;
  }
  return out + text.slice(at);
}
