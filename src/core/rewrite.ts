/**
 * Finding registry.ci.openshift.org and registry.svc.ci.openshift.org image references in any text and
 * mapping them to QCI pull specs (ci-tools pkg/api/promotion.go). Pure: the caller reads and writes the files.
 *
 * The text is the file's bytes decoded as latin1, one character per byte: the patterns are ASCII, so
 * offsets are byte offsets and re-encoding as latin1 gives back every byte we did not replace.
 */
import { PAYLOAD_PATH, ciPayloadName } from './payloads.js';
import { qciPayloadSpec } from './release.js';
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
// quay-proxy.ci.openshift.org too: its NS/NAME:TAG form is wrong (the proxy serves openshift/ci only).
const HOST =
  /(?<![A-Za-z0-9.-])(?:registry\.(?:svc\.)?ci|quay-proxy\.ci)\.openshift\.org(?!\.?[A-Za-z0-9-])/g;
// What may follow the host in a reference: an optional port, then a path of reference characters and
// template expressions (${X}, $(X), {{ x }}, $X, {MAJOR}, <tag> at the start of a part, %s, … and ...), which
// are kept whole so they can be recognised: a reference is never cut short at a template and its prefix
// rewritten. A `<…>` right after a letter (latest<br>) is HTML after the reference, not a placeholder.
// "…" is matched as its UTF-8 bytes (the text is latin1, one character per byte).
const TAIL =
  /(?::[0-9]+)?\/(?:[A-Za-z0-9._/:@-]|\$\{[^}\s]{0,100}\}|\$\([^)\s]{0,100}\)|\{\{[^}\n]{0,200}\}\}|\{[A-Za-z0-9_.]{1,40}\}|(?<=[/:._-])<[A-Za-z][A-Za-z0-9_. -]{0,40}>|%[-+# 0]*[0-9]*[sdvqx]|\$[A-Za-z_][A-Za-z0-9_]*|\xe2\x80\xa6)*/y;
const TEMPLATE =
  /\$\{|\$\(|\{\{|\$[A-Za-z_]|\{[A-Za-z0-9_.]+\}|<[A-Za-z]|%[-+# 0]*[0-9]*[sdvqx]|\.\.\.|\xe2\x80\xa6/;

/** What rewrite knows about the file a text comes from. */
export interface RewriteContext {
  /** The file's path (its name says Dockerfile, Markdown, …). */
  path?: string;
  /** Every reference written as an `as:` value anywhere in the tree (see asValuesIn). */
  asValues?: ReadonlySet<string>;
}

/**
 * Whether a letter or digit outside ASCII is at `at` (ASCII ones are part of a reference). Files are
 * scanned as latin1, one character a byte: a UTF-8 sequence is read back whole.
 */
function letterAfter(text: string, at: number): boolean {
  const next = text.charCodeAt(at);
  if (!(next >= 0x80)) return false;
  const bytes = text.slice(at, at + 4);
  const char = /^[\u0000-\u00ff]*$/.test(bytes)
    ? [...Buffer.from(bytes, 'latin1').toString('utf8')][0]
    : undefined;
  return /[\p{L}\p{N}]/u.test(char && char !== '\ufffd' ? char : text[at]!);
}

/** How much of its line before a reference the rules look at: more than any rule needs. */
const BEFORE = 256;

/** What the rules need of a whole line, found once for all its references. */
interface LineFacts {
  line: number;
  /** Where QCI's names are on it. */
  qciAt: [number, number][];
  /** Where an `as: [` flow list starts on it (-1: none): its items are as: values. */
  asList: number;
}

function lineFacts(text: string, lineStart: number, line: number): LineFacts {
  const nl = text.indexOf('\n', lineStart);
  const lineText = text.slice(lineStart, nl === -1 ? text.length : nl);
  const qciAt: [number, number][] = [];
  for (const m of lineText.matchAll(QCI_NAMES_ALL))
    qciAt.push([lineStart + m.index, lineStart + m.index + m[0].length]);
  const list = AS_LIST.exec(lineText);
  return { line, qciAt, asList: list ? lineStart + list.index : -1 };
}

/** Every registry reference in `text`, in order. */
export function findRegistryReferences(
  text: string,
  pullHost: string = QCI_PROXY_HOST,
  context: RewriteContext = {},
): RegistryReference[] {
  if (!text.includes(REGISTRY_MARKER)) return [];
  const kind = fileKind(context.path ?? '');
  const code = codeRanges(text, kind);
  const found: RegistryReference[] = [];
  let facts: LineFacts = { line: 0, qciAt: [], asList: -1 };
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
    // A reference at the end of a sentence or a "key:" keeps its punctuation outside; an ellipsis
    // ("nightly-...") is a template and stays in.
    if (!text.startsWith('...', end - 3))
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
    // A name that runs on into letters no tag holds (…:cliüber): rewriting would cut it in two.
    const runsOn = letterAfter(text, end);
    let classified = runsOn
      ? review(
          'the name runs on into a letter no tag can hold: it is not the reference it seems',
        )
      : PAYLOAD_PATH.test(reference.slice(host.length))
        ? payloadReview(reference.slice(host.length), pullHost)
        : classify(reference, host, pullHost);
    if (classified === null) continue;
    if (classified.replacement !== null) {
      if (facts.line !== line) facts = lineFacts(text, lineStart, line);
      // What comes before it on its line, at most BEFORE characters (a minified file's one line holds
      // thousands of references); a cut window starts with a character no rule takes for a line start.
      const from = Math.max(lineStart, start - BEFORE);
      const why = notAPull({
        reference,
        path: reference.slice(host.length),
        before: (from > lineStart ? '\u0000' : '') + text.slice(from, start),
        namesQci: facts.qciAt.some(([a, b]) => b <= start || a >= end),
        inAsList: facts.asList >= 0 && facts.asList < start,
        above: () => linesAbove(text, lineStart),
        kind,
        inCode: code === null ? true : inRanges(code.blocks, start),
        inInlineCode: code !== null && inRanges(code.inline, start),
        asValues: context.asValues,
      });
      if (why) classified = review(why);
    }
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
  if (host === QCI_PROXY_HOST && !isWrongProxyForm(path)) return null;
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

/**
 * quay-proxy.ci.openshift.org/NS/NAME:TAG (seen in project docs): the proxy serves only openshift/ci,
 * so this names no image; parseReference reads it as the image stream tag meant, as `qci pullspec`
 * does. Anything else under the proxy host (openshift/ci:…, the bare host) is QCI already.
 */
function isWrongProxyForm(path: string): boolean {
  const segments = path.split(/[:@]/)[0]!.split('/');
  return (
    segments.length === 3 &&
    segments[1] !== '' &&
    `${segments[1]}/${segments[2]}` !== QCI_REPOSITORY_PATH
  );
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

// ---------------------------------------------------------------------------------------------------
// Only what is a pull: references whose text means something else are listed for review.

type FileKind = 'dockerfile' | 'markdown' | 'asciidoc' | 'tex' | 'other';

const PAYLOAD_REASON =
  'a release payload: ocp/release and origin/release streams are made by the release controller on app.ci, ' +
  'and nothing shows they are mirrored to QCI (accepted nightlies are in quay.io/openshift-release-dev/ocp-release-nightly, ' +
  'which needs a Red Hat pull secret)';
// The release controller publishes CI payloads to QCI (openshift/release-controller ReleasePullSpec).
const CI_PAYLOAD_REASON =
  'a CI release payload: QCI holds CI payloads as rc_payload__<name>, but not those made before ' +
  'the move; qci release <name> says where it is';

/** A payload goes to review; a CI one with its QCI form suggested. */
function payloadReview(path: string, pullHost: string): Classification {
  const name = ciPayloadName(path);
  return name
    ? review(CI_PAYLOAD_REASON, qciPayloadSpec(pullHost, name))
    : review(PAYLOAD_REASON);
}
const QCI_NAMES = /quay\.io\/openshift\/ci\b|quay-proxy\.ci\.openshift\.org/;
const QCI_NAMES_ALL = new RegExp(QCI_NAMES.source, 'g');

function fileKind(path: string): FileKind {
  const name = path.split(/[\\/]/).at(-1) ?? '';
  if (/(?:^|\.)(?:Dockerfile|Containerfile)(?:\.|$)/i.test(name))
    return 'dockerfile';
  if (/\.(?:md|markdown|mdx)$/i.test(name)) return 'markdown';
  if (/\.(?:adoc|asciidoc|asc)$/i.test(name)) return 'asciidoc';
  if (/\.tex$/i.test(name)) return 'tex';
  return 'other';
}

/** Where code is in a prose file, as sorted [start, end) offsets. */
interface CodeRanges {
  /** Fenced, delimited and indented blocks; the inline spans too in TeX. */
  blocks: number[][];
  /** Inline code spans of Markdown and AsciiDoc: code quoted inside a sentence. */
  inline: number[][];
}

/** Where code is in a prose file; null for files that are not prose (everything counts as code there). */
function codeRanges(text: string, kind: FileKind): CodeRanges | null {
  if (kind !== 'markdown' && kind !== 'asciidoc' && kind !== 'tex') return null;
  const ranges: number[][] = [];
  const spans = kind === 'tex' ? ranges : [];
  const fence =
    kind === 'markdown'
      ? /^ {0,3}(?:```|~~~)|^\s*\{\{<\s*\/?\s*highlight\b/
      : kind === 'asciidoc'
        ? /^(?:-{4,}|\.{4,}|```)\s*$/
        : /^\s*\\(?:begin|end)\{(?:verbatim|Verbatim|lstlisting|minted)\}/;
  const inline =
    kind === 'tex'
      ? /\\(?:verb|lstinline)(.).*?\1|\\texttt\{[^}]*\}/g
      : kind === 'asciidoc'
        ? /`[^`\n]+`|\+[^+\n]+\+/g
        : /`+[^`\n]+`+/g;
  let open = -1;
  let at = 0;
  for (const line of text.split('\n')) {
    if (fence.test(line)) {
      if (open === -1) open = at;
      else {
        ranges.push([open, at + line.length]);
        open = -1;
      }
    } else if (open === -1) {
      if (kind === 'markdown' && /^(?: {4}|\t)/.test(line))
        ranges.push([at, at + line.length]);
      else
        for (const m of line.matchAll(inline))
          spans.push([at + m.index, at + m.index + m[0].length]);
    }
    at += line.length + 1;
  }
  if (open !== -1) ranges.push([open, text.length]);
  return { blocks: ranges, inline: spans === ranges ? [] : spans };
}

function inRanges(ranges: number[][], pos: number): boolean {
  return ranges.some(([from, to]) => pos >= from! && pos < to!);
}

/** Up to 50 lines above the line at `lineStart`, nearest first. */
function linesAbove(text: string, lineStart: number): string[] {
  const head = text.slice(
    Math.max(0, lineStart - 8192),
    Math.max(0, lineStart - 1),
  );
  return head.split('\n').reverse().slice(0, 50);
}

/** Is this line an `as:` value, or an item of an `as:` list (ci-operator's inputs.<name>.as)? */
const AS_LIST = /(?:^|[\s{,-])as:\s*\[/;

function isAsValue(
  before: string,
  inAsList: boolean,
  above: () => string[],
): boolean {
  if (/(?:^|[\s{,-])["']?as["']?\s*:\s*(?:\[\s*)?["']?$/.test(before))
    return true;
  if (inAsList) return true;
  const item = /^(\s*)-\s*["']?$/.exec(before);
  if (!item) return false;
  const indent = item[1]!.length;
  for (const line of above()) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const lead = /^\s*/.exec(line)![0].length;
    if (lead === indent && /^\s*-\s/.test(line)) continue; // another item of the list
    return /^\s*(?:-\s+)?as:\s*$/.test(line) && lead <= indent;
  }
  return false;
}

const AS_REASON =
  'an inputs.<name>.as value: ci-operator matches it, as written, against the FROM lines of the Dockerfile it builds; it is not a pull, and changing it alone changes what CI builds from';

/*
 * FROM lines, as openshift/ci-tools does it (read at 52352cd, 2026-08-21):
 * - The build (openshift/builder pkg/build/builder/common.go, copied into ci-tools'
 *   cmd/registry-replacer/main.go extractReplacementCandidatesFromDockerfile) replaces a FROM whose
 *   text equals an inputs.<name>.as entry by that input's image.
 * - Without such an entry, ci-operator finds registry.ci.openshift.org, registry.svc.ci.openshift.org
 *   and quay-proxy.ci.openshift.org references in FROM, COPY and RUN lines itself
 *   (pkg/dockerfile/extract.go ExtractRegistryReferences, RegistryRegex; called from
 *   pkg/defaults/defaults.go detectDockerfileInputs) and reads
 *   quay-proxy.ci.openshift.org/openshift/ci:NS_NAME_TAG as NS/NAME:TAG (OrgRepoTagFromPullString),
 *   the same base image (key NS_NAME_TAG) as the old form. So the QCI form builds from the same image.
 * - The registry-replacer (cmd/registry-replacer/main.go) adds `as` entries for such references
 *   (ensureReplacement, skipped when HasManualReplacementFor), and with
 *   --prune-ocp-builder-replacements removes every ocp/builder `as` entry of a config promoting to
 *   ocp unless its base image is that same ocp/builder tag (pruneOCPBuilderReplacements): an
 *   ocp/builder FROM thus builds from the tag it names, in either form. ART's build data only picks
 *   the Dockerfile path (updateDockerfilesToMatchOCPBuildData), never the FROM text.
 * So a FROM is rewritten, except when an `as:` in the tree names its text: then that entry picks
 * the image, and rewriting the FROM alone would drop the replacement for ci-operator's own
 * detection of the new text, i.e. change what CI builds from. Both go to review then (neither is
 * rewritten): the `as:` value because it is no pull, the FROM with this reason.
 */
const FROM_PAIRED_REASON =
  'a FROM that an inputs.<name>.as entry in this tree names: the build replaces it by that ' +
  "input's image; rewritten alone it would no longer match, and ci-operator would build from the " +
  'image the new text names instead; change the FROM and its as: entry together, by hand';

/**
 * Inline code in a Markdown or AsciiDoc sentence quotes what a file or a command said ("The Dockerfile's
 * `FROM registry.ci…/ocp/builder:…` is detected", "`registry.ci…/ocp/4.6:base` is replaced by the image
 * named `base`"): rewriting it changes what the sentence says. Code blocks are rewritten.
 */
const INLINE_CODE_REASON =
  'inline code in prose: the sentence may describe what the old reference does or did rather than pull it; ' +
  'rewriting it would change what the sentence says (code blocks are rewritten)';

/** Why a reference that maps to QCI must not be rewritten here, or null when it is a pull. */
function notAPull(ref: {
  reference: string;
  path: string;
  before: string;
  /** The line names the QCI form outside the reference. */
  namesQci: boolean;
  /** The reference is an item of an `as: [` flow list that starts before it on its line. */
  inAsList: boolean;
  above: () => string[];
  kind: FileKind;
  inCode: boolean;
  inInlineCode: boolean;
  asValues: ReadonlySet<string> | undefined;
}): string | null {
  if (isAsValue(ref.before, ref.inAsList, ref.above)) return AS_REASON;
  if (
    ref.kind === 'dockerfile' &&
    /^\s*FROM\s+(?:--\S+\s+)*$/i.test(ref.before) &&
    ref.asValues?.has(ref.reference)
  )
    return FROM_PAIRED_REASON;
  // Any other FROM is rewritten, ocp/builder ones included; see FROM_PAIRED_REASON for why.
  if (ref.namesQci)
    return 'the line names the QCI form too: it explains the mapping, so rewriting it would change its meaning';
  if (ref.inInlineCode) return INLINE_CODE_REASON;
  if (!ref.inCode)
    return 'prose (outside code spans and blocks): it may describe the old registry rather than pull from it';
  return null;
}

/** The references written as `as:` values in `text` (ci-operator configs, Markdown examples). */
export function asValuesIn(text: string): string[] {
  if (!text.includes(REGISTRY_MARKER) || !/\bas\s*:/.test(text)) return [];
  const values: string[] = [];
  for (const ref of findRegistryReferences(text, QCI_PROXY_HOST))
    if (ref.reason === AS_REASON) values.push(ref.reference);
  return values;
}

/**
 * Test data by content: a code or data file (not prose) in which every reference is paired with its
 * own QCI form somewhere in the same file: a table of old and new names (Go test cases whose key and
 * expected value sit on different lines, consts such as ci-tools'
 * pkg/controller/quay_io_ci_images_distributor/qci_to_appci_test.go `src = "quay-proxy…:ci_foo_latest"`
 * / `dest = "registry.ci.openshift.org/ci/foo:latest"`). Rewriting it would make each key equal to
 * its value. `refs` are the file's references as findRegistryReferences returns them.
 */
export function isMappingTable(
  text: string,
  refs: readonly RegistryReference[],
  path: string,
): boolean {
  if (refs.length === 0 || fileKind(path) !== 'other') return false;
  return refs.every((ref) => {
    let tag: string | null;
    try {
      tag = parseReference(ref.reference).qciTag;
    } catch {
      return false;
    }
    if (tag === null) return false;
    // The QCI form, whole: openshift/ci:TAG not followed by more tag characters.
    const form = `${QCI_REPOSITORY_PATH}:${tag}`;
    for (
      let at = text.indexOf(form);
      at !== -1;
      at = text.indexOf(form, at + 1)
    )
      if (!/[A-Za-z0-9._-]/.test(text[at + form.length] ?? '')) return true;
    return false;
  });
}

/**
 * Test data: inputs and expected outputs whose meaning a rewrite would change (Go tests, testdata/,
 * fixtures/, golden files under test/). Skipped unless --include-tests.
 */
export function isTestData(path: string): boolean {
  const parts = path.split(/[\\/]/);
  const name = parts.at(-1) ?? '';
  if (/_test\.go$/.test(name)) return true;
  if (parts.some((p) => p === 'testdata' || p === 'fixtures')) return true;
  return (
    parts.includes('test') &&
    /golden/i.test(parts.slice(parts.indexOf('test')).join('/'))
  );
}
